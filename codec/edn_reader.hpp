// Reading EDN text into Values (read_edn, EdnStreamReader).
//
// A public type of Quarry's API: defined in codec/include/quarry/types/edn_reader.hpp, which applications
// include as <quarry/types/edn_reader.hpp> (through <quarry/quarry.hpp>). Quarry's layers include this
// header, by folder like every other.
#pragma once

#include "quarry/types/edn_reader.hpp"
