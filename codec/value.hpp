// Value and the kinds it holds.
//
// A public type of Quarry's API: defined in codec/include/quarry/types/value.hpp, which applications
// include as <quarry/types/value.hpp> (through <quarry/quarry.hpp>). Quarry's layers include this
// header, by folder like every other.
#pragma once

#include "quarry/types/value.hpp"
