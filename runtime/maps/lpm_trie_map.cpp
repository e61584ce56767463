#include "runtime/maps/lpm_trie_map.hpp"

#include <linux/bpf.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace ebpfjit::maps {

struct LpmTrieMap::Node {
    std::atomic<Node*> child[2] = {nullptr, nullptr};
    std::atomic<uint32_t> prefixlen{0};
    std::atomic<bool> intermediate{false};
    // followed by data[data_size_], padding to 8, then value[value_size]: the verifier
    // assumes every map value is 8-byte aligned (an IPv4 key's 4 data bytes would leave
    // the value 4-aligned, and an atomic on it faults on ARM64).
    uint8_t* data() { return reinterpret_cast<uint8_t*>(this + 1); }
    const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(this + 1); }

    // Links publish nodes: a walk that follows one sees the node's fields as written.
    Node* kid(int b) const { return child[b].load(std::memory_order_acquire); }
    void set_kid(int b, Node* n) { child[b].store(n, std::memory_order_release); }
    uint32_t length() const { return prefixlen.load(std::memory_order_acquire); }
    bool is_intermediate() const { return intermediate.load(std::memory_order_acquire); }
};

namespace {

struct KeyView {
    uint32_t prefixlen;
    const uint8_t* data;
};

KeyView view(const void* key) {
    KeyView k;
    std::memcpy(&k.prefixlen, key, 4);
    k.data = static_cast<const uint8_t*>(key) + 4;
    return k;
}

int bit_at(const uint8_t* data, uint32_t index) {
    return (data[index / 8] >> (7 - index % 8)) & 1;
}

// Node prefix bytes: written by writers while lock-free readers may read them.
uint8_t load_byte(const uint8_t* p) {
    return std::atomic_ref<uint8_t>(*const_cast<uint8_t*>(p)).load(std::memory_order_acquire);
}
// Whole 4-byte words where match_len reads words, so the two never overlap partly.
void store_bytes(uint8_t* to, const uint8_t* from, uint32_t n) {
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t word;
        std::memcpy(&word, from + i, 4);
        std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(to + i)).store(word, std::memory_order_release);
    }
    for (; i < n; ++i) std::atomic_ref<uint8_t>(to[i]).store(from[i], std::memory_order_release);
}

} // namespace

class LpmTrieMap::WriteSection {
public:
    explicit WriteSection(LpmTrieMap& m) : guard_(m.write_lock_), sequence_(m.sequence_) {
        // Every change below is a release store, so a walk that reads one also reads this.
        sequence_.store(sequence_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    ~WriteSection() {
        sequence_.store(sequence_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    WriteSection(const WriteSection&) = delete;
    WriteSection& operator=(const WriteSection&) = delete;

private:
    std::lock_guard<std::mutex> guard_; // released after the count is even again
    std::atomic<uint32_t>& sequence_;
};

LpmTrieMap::LpmTrieMap(const MapDefinition& def)
    : Map(def), data_size_(def.key_size - 4), value_offset_((data_size_ + 7) & ~7u),
      max_prefixlen_(8 * (def.key_size - 4)) {}

LpmTrieMap::~LpmTrieMap() = default;

LpmTrieMap::Node* LpmTrieMap::new_node(uint32_t prefixlen, const uint8_t* data,
                                       const void* value) {
    Node* n;
    if (!free_nodes_.empty()) {
        // A walk that started before the node was unlinked may still read it: reset the
        // fields atomically rather than constructing the node again.
        n = free_nodes_.back();
        free_nodes_.pop_back();
        n->set_kid(0, nullptr);
        n->set_kid(1, nullptr);
        n->intermediate.store(false, std::memory_order_release);
    } else {
        const size_t bytes = sizeof(Node) + value_offset_ + definition().value_size;
        static_assert(sizeof(Node) % 8 == 0, "node data must start 8-aligned");
        storage_.emplace_back(new uint8_t[(bytes + 7) & ~size_t{7}]);
        n = new (storage_.back().get()) Node();
    }
    n->prefixlen.store(prefixlen, std::memory_order_release);
    store_bytes(n->data(), data, data_size_);
    if (value != nullptr) std::memcpy(n->data() + value_offset_, value, definition().value_size);
    return n;
}

void LpmTrieMap::recycle(Node* n) { free_nodes_.push_back(n); }

// Number of leading bits `n` and the key share, at most min(both prefix lengths).
// Four bytes at a time (IPv4 in one step): node data starts 8-aligned after the Node.
// Inlined into every walk: it is most of a lookup.
[[gnu::always_inline]] inline uint32_t LpmTrieMap::match_len(const Node* n, uint32_t prefixlen, const uint8_t* data) const {
    const uint32_t limit = std::min(n->length(), prefixlen);
    const uint8_t* node = n->data();
    uint32_t len = 0;
    uint32_t i = 0;
    for (; i + 4 <= data_size_ && len < limit; i += 4) {
        uint32_t key_word;
        std::memcpy(&key_word, data + i, 4);
        const uint32_t node_word =
            std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(const_cast<uint8_t*>(node + i)))
                .load(std::memory_order_acquire);
        uint32_t diff = node_word ^ key_word;
        if constexpr (std::endian::native == std::endian::little) diff = __builtin_bswap32(diff); // byte 0 on top
        if (diff != 0) return std::min(len + uint32_t(__builtin_clz(diff)), limit);
        len += 32;
    }
    for (; i < data_size_ && len < limit; ++i) {
        const uint8_t diff = load_byte(node + i) ^ data[i];
        if (diff != 0) return std::min(len + uint32_t(__builtin_clz(uint32_t{diff}) - 24), limit);
        len += 8;
    }
    return std::min(len, limit);
}

// One walk from the root. Racing a writer it may see a mix of old and new links, but
// only nodes of this map and prefix lengths <= max_prefixlen_, so it stays in bounds and
// ends within max_prefixlen_ + 1 steps; lookup() then discards what it found.
LpmTrieMap::Node* LpmTrieMap::find(uint32_t prefixlen, const uint8_t* data) const {
    Node* found = nullptr;
    uint32_t steps = 0;
    for (Node* n = root(); n != nullptr && steps <= max_prefixlen_; ++steps) {
        const uint32_t node_len = std::min(n->length(), max_prefixlen_);
        const bool real = !n->is_intermediate();
        const uint32_t len = std::min(match_len(n, prefixlen, data), node_len);
        if (len == max_prefixlen_) {
            if (real) found = n;
            break;
        }
        if (len < node_len) break;
        if (real) found = n;
        if (node_len >= prefixlen) break;
        n = n->kid(bit_at(data, node_len)); // node_len < max_prefixlen_: inside the key
    }
    return found;
}

void* LpmTrieMap::lookup(const void* key) {
    const KeyView k = view(key);
    const uint32_t before = sequence_.load(std::memory_order_acquire);
    if ((before & 1) == 0) {
        Node* found = find(k.prefixlen, k.data); // acquire loads: the check below comes after
        if (sequence_.load(std::memory_order_relaxed) == before) return found ? found->data() + value_offset_ : nullptr;
    }
    // A writer was at work: wait for it and walk again.
    std::lock_guard guard(write_lock_);
    Node* found = find(k.prefixlen, k.data);
    return found ? found->data() + value_offset_ : nullptr;
}

int LpmTrieMap::update(const void* key, const void* value, uint64_t flags) {
    if (flags > BPF_EXIST) return -EINVAL;
    const KeyView k = view(key);
    if (k.prefixlen > max_prefixlen_) return -EINVAL;
    WriteSection writing(*this);

    std::atomic<Node*>* slot = &root_;
    Node* n = nullptr;
    uint32_t len = 0;
    while ((n = slot->load(std::memory_order_relaxed)) != nullptr) {
        len = match_len(n, k.prefixlen, k.data);
        if (n->length() != len || n->length() == k.prefixlen || n->length() == max_prefixlen_)
            break;
        slot = &n->child[bit_at(k.data, n->length())];
    }
    const bool replaces = n != nullptr && n->length() == len && len == k.prefixlen;
    if (replaces && !n->is_intermediate()) {
        if (flags == BPF_NOEXIST) return -EEXIST;
        std::memcpy(n->data() + value_offset_, value, definition().value_size); // in place
        return 0;
    }
    if (flags == BPF_EXIST) return -ENOENT;
    if (n_entries_.load(std::memory_order_relaxed) == definition().max_entries) return -ENOSPC;

    Node* fresh = new_node(k.prefixlen, k.data, value);
    n_entries_.fetch_add(1, std::memory_order_relaxed);
    if (n == nullptr) { // empty slot
        slot->store(fresh, std::memory_order_release);
    } else if (replaces) { // an intermediate node becomes a real one
        fresh->set_kid(0, n->kid(0));
        fresh->set_kid(1, n->kid(1));
        slot->store(fresh, std::memory_order_release);
        recycle(n);
    } else if (len == k.prefixlen) { // the new prefix is an ancestor of n
        fresh->set_kid(bit_at(n->data(), len), n);
        slot->store(fresh, std::memory_order_release);
    } else { // siblings under a new intermediate node at the first differing bit
        Node* im = new_node(len, n->data(), nullptr);
        im->intermediate.store(true, std::memory_order_release);
        const int b = bit_at(k.data, len);
        im->set_kid(b, fresh);
        im->set_kid(1 - b, n);
        slot->store(im, std::memory_order_release);
    }
    return 0;
}

int LpmTrieMap::remove(const void* key) {
    const KeyView k = view(key);
    if (k.prefixlen > max_prefixlen_) return -EINVAL;
    WriteSection writing(*this);

    std::atomic<Node*>* trim = &root_;
    std::atomic<Node*>* trim2 = trim;
    Node* parent = nullptr;
    Node* n = nullptr;
    uint32_t len = 0;
    while ((n = trim->load(std::memory_order_relaxed)) != nullptr) {
        len = match_len(n, k.prefixlen, k.data);
        if (n->length() != len || n->length() == k.prefixlen) break;
        parent = n;
        trim2 = trim;
        trim = &n->child[bit_at(k.data, n->length())];
    }
    if (n == nullptr || n->length() != k.prefixlen || n->length() != len || n->is_intermediate())
        return -ENOENT;
    n_entries_.fetch_sub(1, std::memory_order_relaxed);

    if (n->kid(0) != nullptr && n->kid(1) != nullptr) { // still needed for branching
        n->intermediate.store(true, std::memory_order_release);
        return 0;
    }
    // A leaf whose parent only branched: the sibling takes the parent's place.
    if (parent != nullptr && parent->is_intermediate() && n->kid(0) == nullptr && n->kid(1) == nullptr) {
        trim2->store(n == parent->kid(0) ? parent->kid(1) : parent->kid(0), std::memory_order_release);
        recycle(parent);
        recycle(n);
        return 0;
    }
    trim->store(n->kid(0) != nullptr ? n->kid(0) : n->kid(1), std::memory_order_release);
    recycle(n);
    return 0;
}

// Post-order (more specific prefixes first, child 0 before child 1), as the kernel.
int LpmTrieMap::get_next_key(const void* key, void* next_key) {
    std::lock_guard guard(write_lock_); // no change meanwhile
    if (root() == nullptr) return -ENOENT;
    Node* search_root = root();
    Node* next = nullptr;

    auto leftmost = [&](Node* from) {
        Node* last = nullptr;
        for (Node* n = from; n != nullptr;) {
            if (n->is_intermediate()) {
                n = n->kid(0);
            } else {
                last = n;
                n = n->kid(0) != nullptr ? n->kid(0) : n->kid(1);
            }
        }
        return last;
    };

    if (key != nullptr && view(key).prefixlen <= max_prefixlen_) {
        const KeyView k = view(key);
        std::vector<Node*> stack;
        Node* n = root();
        uint32_t len = 0;
        while (n != nullptr) {
            stack.push_back(n);
            len = match_len(n, k.prefixlen, k.data);
            if (n->length() != len || n->length() == k.prefixlen) break;
            n = n->kid(bit_at(k.data, n->length()));
        }
        if (n != nullptr && n->length() == k.prefixlen && len == k.prefixlen && !n->is_intermediate()) {
            // Found: the next node in post-order is the leftmost of the right sibling
            // subtree, else the nearest real ancestor.
            n = stack.back();
            for (size_t depth = stack.size() - 1; depth > 0; --depth) {
                Node* p = stack[depth - 1];
                if (p->kid(0) == n && p->kid(1) != nullptr) {
                    search_root = p->kid(1);
                    goto find_leftmost;
                }
                if (!p->is_intermediate()) {
                    next = p;
                    goto copy;
                }
                n = p;
            }
            return -ENOENT;
        }
    }
find_leftmost:
    next = leftmost(search_root);
copy:
    const uint32_t prefixlen = next->length();
    std::memcpy(next_key, &prefixlen, 4);
    std::memcpy(static_cast<uint8_t*>(next_key) + 4, next->data(), data_size_);
    return 0;
}

} // namespace ebpfjit::maps
