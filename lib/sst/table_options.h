// Options that shape an SST file: block size, restart interval, bloom filter
// density and data-block compression. Shared by TableBuilder and
// TableReader; they are part of the public Options, so TableOptions and
// CompressionType are defined in nokv/options.h.
#pragma once

#include "nokv/options.h"
