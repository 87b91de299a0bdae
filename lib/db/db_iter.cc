// DBIter implementation (the LevelDB DBIter scheme: forward scans skip older
// entries of the current key; reverse scans keep the newest visible entry seen
// while walking a key's entries from oldest to newest).
#include "db/db_iter.h"

namespace nokv {
namespace {

class DBIter final : public Iterator {
 public:
  DBIter(std::unique_ptr<InternalIterator> iter, DBIterOptions options, std::shared_ptr<void> pin)
      : iter_(std::move(iter)), opts_(std::move(options)), pin_(std::move(pin)) {
    cf_byte_ = static_cast<char>(opts_.cf);
  }

  bool Valid() const override { return valid_; }
  std::string_view key() const override {
    if (direction_ == kForward) return ExtractUserKey(iter_->key());
    return std::string_view(saved_key_).substr(1);
  }
  std::string_view value() const override {
    std::string_view raw = direction_ == kForward ? current_value_ : saved_value_view_;
    const uint8_t meta = direction_ == kForward ? current_meta_ : saved_meta_;
    return (meta & kMetaValuePointer) == 0 ? raw : std::string_view(resolved_);
  }
  uint64_t expires_at_ms() const override {
    return direction_ == kForward ? current_expiry_ : saved_expiry_;
  }
  std::optional<uint64_t> version() const override {
    const uint64_t v = direction_ == kForward ? InternalKeyVersion(iter_->key()) : saved_version_;
    if (v == kMaxVersion) return std::nullopt;
    return v;
  }
  Status status() const override {
    if (!status_.ok()) return status_;
    return iter_->status();
  }

  void SeekToFirst() override {
    direction_ = kForward;
    if (!opts_.lower_bound.empty()) {
      Seek(opts_.lower_bound);
      return;
    }
    iter_->Seek(SearchKey("", kMaxVersion, kMaxSequence));
    FindNextUserEntry(false, {});
  }

  void SeekToLast() override {
    direction_ = kReverse;
    if (!opts_.upper_bound.empty()) {
      iter_->SeekForPrev(SearchKey(opts_.upper_bound, kMaxVersion, kMaxSequence));
    } else if (static_cast<uint8_t>(cf_byte_) == 0xff) {
      iter_->SeekToLast();  // the last family of the keyspace
    } else {
      // Just past the last key of this column family.
      std::string past;
      AppendInternalKey(&past, static_cast<ColumnFamily>(static_cast<uint8_t>(cf_byte_) + 1),
                        "", kMaxVersion, kMaxSequence);
      iter_->SeekForPrev(past);
    }
    FindPrevUserEntry();
  }

  void Seek(std::string_view target) override {
    direction_ = kForward;
    std::string_view t = target;
    if (!opts_.lower_bound.empty() && t < opts_.lower_bound) t = opts_.lower_bound;
    iter_->Seek(SearchKey(t, kMaxVersion, kMaxSequence));
    FindNextUserEntry(false, {});
  }

  void SeekForPrev(std::string_view target) override {
    direction_ = kReverse;
    if (!opts_.upper_bound.empty() && target >= opts_.upper_bound) {
      iter_->SeekForPrev(SearchKey(opts_.upper_bound, kMaxVersion, kMaxSequence));
    } else {
      iter_->SeekForPrev(SearchKey(target, 0, 0));
    }
    FindPrevUserEntry();
  }

  void Next() override {
    if (direction_ == kReverse) {
      // iter_ sits before the entries of saved_key_: step onto them.
      direction_ = kForward;
      if (!iter_->Valid()) {
        iter_->SeekToFirst();
      } else {
        iter_->Next();
      }
      skip_.assign(saved_key_);
      FindNextUserEntry(true, skip_);
      return;
    }
    std::string_view up = UserPart(iter_->key());
    skip_.assign(up.data(), up.size());
    iter_->Next();
    FindNextUserEntry(true, skip_);
  }

  void Prev() override {
    if (direction_ == kForward) {
      // Step back past every entry of the current key.
      std::string_view up = UserPart(iter_->key());
      saved_key_.assign(up.data(), up.size());
      while (true) {
        iter_->Prev();
        if (!iter_->Valid() || UserPart(iter_->key()) < std::string_view(saved_key_)) break;
      }
      direction_ = kReverse;
    }
    FindPrevUserEntry();
  }

 private:
  enum Direction { kForward, kReverse };

  std::string SearchKey(std::string_view user_key, uint64_t version, uint64_t seq) const {
    std::string k;
    AppendInternalKey(&k, opts_.cf, user_key, version, seq);
    return k;
  }

  static std::string_view ExtractUserKey(std::string_view ikey) {
    return ikey.substr(1, ikey.size() - 1 - kTrailerSize);
  }

  // What an entry means for this reader (lsm/visibility.h): kInvisible (not
  // there: newer than the snapshot, above the read version, or hidden by a
  // range deletion — an older entry of the key may show), kDeleted (a
  // tombstone or expired value: hides older entries of its key), kLive.
  Visibility Classify(std::string_view ikey, std::string_view value, ValueRecord* record) {
    Visibility v = Visibility::kInvisible;
    Status s = ClassifyEntry(opts_.point, ikey, value, record, &v);
    if (!s.ok()) {
      status_ = s.WithContext("during iteration");
      return Visibility::kInvisible;
    }
    return v;
  }

  bool InCf(std::string_view ikey) const { return !ikey.empty() && ikey[0] == cf_byte_; }

  void FindNextUserEntry(bool skipping, std::string_view skip) {
    valid_ = false;
    for (; iter_->Valid(); iter_->Next()) {
      std::string_view ik = iter_->key();
      if (ik.size() < 1 + kTrailerSize) {
        status_ = Status::Corruption("malformed internal key during iteration");
        return;
      }
      if (!InCf(ik)) {
        if (static_cast<unsigned char>(ik[0]) > static_cast<unsigned char>(cf_byte_)) return;
        continue;
      }
      std::string_view up = UserPart(ik);
      if (!opts_.upper_bound.empty() && up.substr(1) >= opts_.upper_bound) return;
      if (skipping && up == skip) continue;
      ValueRecord record;
      switch (Classify(ik, iter_->value(), &record)) {
        case Visibility::kInvisible:
          if (!status_.ok()) return;
          continue;
        case Visibility::kDeleted:
          skip_.assign(up.data(), up.size());
          skip = skip_;
          skipping = true;
          continue;
        case Visibility::kLive:
          current_value_ = record.value;
          current_expiry_ = record.expires_at;
          current_meta_ = record.meta;
          valid_ = Resolve(record);
          return;
      }
    }
  }

  // iter_ is at (or before) the last entry of the key to return; walk back
  // through that key's entries (oldest to newest), remembering the newest
  // visible one, and stop on the first entry of an earlier key.
  void FindPrevUserEntry() {
    Visibility kind = Visibility::kDeleted;
    valid_ = false;
    saved_key_.clear();
    while (iter_->Valid()) {
      std::string_view ik = iter_->key();
      if (ik.size() < 1 + kTrailerSize) {
        status_ = Status::Corruption("malformed internal key during iteration");
        return;
      }
      if (!InCf(ik)) {
        if (static_cast<unsigned char>(ik[0]) < static_cast<unsigned char>(cf_byte_)) break;
        iter_->Prev();
        continue;
      }
      std::string_view up = UserPart(ik);
      if (!opts_.upper_bound.empty() && up.substr(1) >= opts_.upper_bound) {
        iter_->Prev();
        continue;
      }
      if (kind != Visibility::kDeleted && up < std::string_view(saved_key_)) break;  // key complete
      if (!opts_.lower_bound.empty() && up.substr(1) < opts_.lower_bound) break;
      ValueRecord record;
      Visibility v = Classify(ik, iter_->value(), &record);
      if (!status_.ok()) return;
      if (v != Visibility::kInvisible) {
        kind = v;
        if (v == Visibility::kDeleted) {
          saved_key_.clear();
          saved_value_.clear();
        } else {
          saved_key_.assign(up.data(), up.size());
          saved_value_.assign(record.value.data(), record.value.size());
          saved_expiry_ = record.expires_at;
          saved_meta_ = record.meta;
          saved_version_ = InternalKeyVersion(ik);
        }
      }
      iter_->Prev();
    }
    if (kind == Visibility::kDeleted || saved_key_.empty()) {
      valid_ = false;
      saved_key_.clear();
      direction_ = kForward;
      return;
    }
    saved_value_view_ = saved_value_;
    ValueRecord record;
    record.meta = saved_meta_;
    record.value = saved_value_view_;
    valid_ = Resolve(record);
  }

  // Reads a value-log value now, while positioning: an entry whose value
  // cannot be read is never presented as valid (with an empty or wrong
  // value); the iterator stops there with the error instead.
  bool Resolve(const ValueRecord& record) {
    if ((record.meta & kMetaValuePointer) == 0) return true;
    Status s = opts_.resolve ? opts_.resolve(record, &resolved_)
                             : Status::Corruption("value pointer without a value log");
    if (s.ok()) return true;
    status_ = std::move(s);
    resolved_.clear();
    return false;
  }

  std::unique_ptr<InternalIterator> iter_;
  DBIterOptions opts_;
  std::shared_ptr<void> pin_;
  char cf_byte_;
  Direction direction_ = kForward;
  bool valid_ = false;
  Status status_;
  uint8_t current_meta_ = 0;
  uint8_t saved_meta_ = 0;
  std::string resolved_;  // the current entry's value-log value
  std::string_view current_value_;
  uint64_t current_expiry_ = 0;
  uint64_t saved_expiry_ = 0;
  uint64_t saved_version_ = kMaxVersion;
  std::string skip_;
  std::string saved_key_;  // reverse: user part of the current key
  std::string saved_value_;
  std::string_view saved_value_view_;
};

}  // namespace

std::unique_ptr<Iterator> NewDBIterator(std::unique_ptr<InternalIterator> internal,
                                        DBIterOptions options, std::shared_ptr<void> pin) {
  return std::make_unique<DBIter>(std::move(internal), std::move(options), std::move(pin));
}

}  // namespace nokv
