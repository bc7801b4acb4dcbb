// The strong id types (EntityId, AttrId, TxId) and kTx0.
//
// A public type of Quarry's API: defined in codec/include/quarry/types/ids.hpp, which applications
// include as <quarry/types/ids.hpp> (through <quarry/quarry.hpp>). Quarry's layers include this
// header, by folder like every other.
#pragma once

#include "quarry/types/ids.hpp"
