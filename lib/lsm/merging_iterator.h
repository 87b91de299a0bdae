// MergingIterator: one sorted view over several InternalIterators (memtables,
// SST files, levels), in CompareInternalKeys order.
#pragma once

#include <memory>
#include <vector>

#include "base/iterator.h"

namespace nokv {

// Returns an iterator yielding the union of the children's entries in
// CompareInternalKeys order; duplicates are not removed. When two children
// hold an identical internal key, the child with the lower index comes first
// going forward (and last going backward). Each child must itself be sorted
// and hold no duplicate keys. Next/Prev may be mixed freely.
//
// status() is the first non-OK status among the children, in index order.
// A child that stops on an error stops the merge too (Valid() turns false):
// skipping it would yield the other children's older versions of the keys
// it holds, i.e. stale data.
// Zero children give an empty iterator; one child is returned as is.
std::unique_ptr<InternalIterator> NewMergingIterator(
    std::vector<std::unique_ptr<InternalIterator>> children);

}  // namespace nokv
