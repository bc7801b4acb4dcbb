// Error, ErrorCode and Result<T>.
//
// A public type of Quarry's API: defined in codec/include/quarry/types/error.hpp, which applications
// include as <quarry/types/error.hpp> (through <quarry/quarry.hpp>). Quarry's layers include this
// header, by folder like every other.
#pragma once

#include "quarry/types/error.hpp"
