// The empty iterator.
#include "base/iterator.h"

namespace nokv {

std::unique_ptr<InternalIterator> NewEmptyIterator(Status status) {
  return std::make_unique<EmptyIteratorOf<InternalIterator>>(std::move(status));
}

}  // namespace nokv
