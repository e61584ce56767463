#include "runtime/maps/lpm_trie_map.hpp"

#include <linux/bpf.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace ebpfjit::maps {

struct LpmTrieMap::Node {
    Node* child[2] = {nullptr, nullptr};
    uint32_t prefixlen = 0;
    bool intermediate = false;
    // followed by data[data_size_] then value[value_size]
    uint8_t* data() { return reinterpret_cast<uint8_t*>(this + 1); }
    const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(this + 1); }
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

} // namespace

LpmTrieMap::LpmTrieMap(const MapDefinition& def)
    : Map(def), data_size_(def.key_size - 4), max_prefixlen_(8 * (def.key_size - 4)) {}

LpmTrieMap::~LpmTrieMap() = default;

LpmTrieMap::Node* LpmTrieMap::new_node(uint32_t prefixlen, const uint8_t* data,
                                       const void* value) {
    Node* n;
    if (!free_nodes_.empty()) {
        n = free_nodes_.back();
        free_nodes_.pop_back();
    } else {
        const size_t bytes = sizeof(Node) + data_size_ + definition().value_size;
        storage_.emplace_back(new uint8_t[(bytes + 7) & ~size_t{7}]);
        n = reinterpret_cast<Node*>(storage_.back().get());
    }
    new (n) Node();
    n->prefixlen = prefixlen;
    std::memcpy(n->data(), data, data_size_);
    if (value != nullptr) std::memcpy(n->data() + data_size_, value, definition().value_size);
    return n;
}

void LpmTrieMap::recycle(Node* n) { free_nodes_.push_back(n); }

// Number of leading bits `n` and the key share, at most min(both prefix lengths).
uint32_t LpmTrieMap::match_len(const Node* n, uint32_t prefixlen, const uint8_t* data) const {
    const uint32_t limit = std::min(n->prefixlen, prefixlen);
    uint32_t len = 0;
    for (uint32_t i = 0; i < data_size_ && len < limit; ++i) {
        const uint8_t diff = n->data()[i] ^ data[i];
        if (diff != 0) {
            len += static_cast<uint32_t>(__builtin_clz(uint32_t{diff}) - 24);
            break;
        }
        len += 8;
    }
    return std::min(len, limit);
}

void* LpmTrieMap::lookup(const void* key) {
    const KeyView k = view(key);
    std::shared_lock guard(lock_);
    Node* found = nullptr;
    for (Node* n = root_; n != nullptr;) {
        const uint32_t len = match_len(n, k.prefixlen, k.data);
        if (len == max_prefixlen_) {
            if (!n->intermediate) found = n;
            break;
        }
        if (len < n->prefixlen) break;
        if (!n->intermediate) found = n;
        if (n->prefixlen >= k.prefixlen) break;
        n = n->child[bit_at(k.data, n->prefixlen)];
    }
    return found ? found->data() + data_size_ : nullptr;
}

int LpmTrieMap::update(const void* key, const void* value, uint64_t flags) {
    if (flags > BPF_EXIST) return -EINVAL;
    const KeyView k = view(key);
    if (k.prefixlen > max_prefixlen_) return -EINVAL;
    std::unique_lock guard(lock_);

    Node** slot = &root_;
    Node* n = nullptr;
    uint32_t len = 0;
    while ((n = *slot) != nullptr) {
        len = match_len(n, k.prefixlen, k.data);
        if (n->prefixlen != len || n->prefixlen == k.prefixlen || n->prefixlen == max_prefixlen_)
            break;
        slot = &n->child[bit_at(k.data, n->prefixlen)];
    }
    const bool replaces = n != nullptr && n->prefixlen == len && len == k.prefixlen;
    if (replaces && !n->intermediate) {
        if (flags == BPF_NOEXIST) return -EEXIST;
        std::memcpy(n->data() + data_size_, value, definition().value_size); // in place
        return 0;
    }
    if (flags == BPF_EXIST) return -ENOENT;
    if (n_entries_ == definition().max_entries) return -ENOSPC;

    Node* fresh = new_node(k.prefixlen, k.data, value);
    ++n_entries_;
    if (n == nullptr) { // empty slot
        *slot = fresh;
    } else if (replaces) { // an intermediate node becomes a real one
        fresh->child[0] = n->child[0];
        fresh->child[1] = n->child[1];
        *slot = fresh;
        recycle(n);
    } else if (len == k.prefixlen) { // the new prefix is an ancestor of n
        fresh->child[bit_at(n->data(), len)] = n;
        *slot = fresh;
    } else { // siblings under a new intermediate node at the first differing bit
        Node* im = new_node(len, n->data(), nullptr);
        im->intermediate = true;
        const int b = bit_at(k.data, len);
        im->child[b] = fresh;
        im->child[1 - b] = n;
        *slot = im;
    }
    return 0;
}

int LpmTrieMap::remove(const void* key) {
    const KeyView k = view(key);
    if (k.prefixlen > max_prefixlen_) return -EINVAL;
    std::unique_lock guard(lock_);

    Node** trim = &root_;
    Node** trim2 = trim;
    Node* parent = nullptr;
    Node* n = nullptr;
    uint32_t len = 0;
    while ((n = *trim) != nullptr) {
        len = match_len(n, k.prefixlen, k.data);
        if (n->prefixlen != len || n->prefixlen == k.prefixlen) break;
        parent = n;
        trim2 = trim;
        trim = &n->child[bit_at(k.data, n->prefixlen)];
    }
    if (n == nullptr || n->prefixlen != k.prefixlen || n->prefixlen != len || n->intermediate)
        return -ENOENT;
    --n_entries_;

    if (n->child[0] != nullptr && n->child[1] != nullptr) { // still needed for branching
        n->intermediate = true;
        return 0;
    }
    // A leaf whose parent only branched: the sibling takes the parent's place.
    if (parent != nullptr && parent->intermediate && n->child[0] == nullptr &&
        n->child[1] == nullptr) {
        *trim2 = (n == parent->child[0]) ? parent->child[1] : parent->child[0];
        recycle(parent);
        recycle(n);
        return 0;
    }
    *trim = n->child[0] != nullptr ? n->child[0] : n->child[1];
    recycle(n);
    return 0;
}

// Post-order (more specific prefixes first, child 0 before child 1), as the kernel.
int LpmTrieMap::get_next_key(const void* key, void* next_key) {
    std::shared_lock guard(lock_);
    if (root_ == nullptr) return -ENOENT;
    Node* search_root = root_;
    Node* next = nullptr;

    auto leftmost = [&](Node* from) {
        Node* last = nullptr;
        for (Node* n = from; n != nullptr;) {
            if (n->intermediate) {
                n = n->child[0];
            } else {
                last = n;
                n = n->child[0] != nullptr ? n->child[0] : n->child[1];
            }
        }
        return last;
    };

    if (key != nullptr && view(key).prefixlen <= max_prefixlen_) {
        const KeyView k = view(key);
        std::vector<Node*> stack;
        Node* n = root_;
        uint32_t len = 0;
        while (n != nullptr) {
            stack.push_back(n);
            len = match_len(n, k.prefixlen, k.data);
            if (n->prefixlen != len || n->prefixlen == k.prefixlen) break;
            n = n->child[bit_at(k.data, n->prefixlen)];
        }
        if (n != nullptr && n->prefixlen == k.prefixlen && len == k.prefixlen &&
            !n->intermediate) {
            // Found: the next node in post-order is the leftmost of the right sibling
            // subtree, else the nearest real ancestor.
            n = stack.back();
            for (size_t depth = stack.size() - 1; depth > 0; --depth) {
                Node* p = stack[depth - 1];
                if (p->child[0] == n && p->child[1] != nullptr) {
                    search_root = p->child[1];
                    goto find_leftmost;
                }
                if (!p->intermediate) {
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
    std::memcpy(next_key, &next->prefixlen, 4);
    std::memcpy(static_cast<uint8_t*>(next_key) + 4, next->data(), data_size_);
    return 0;
}

} // namespace ebpfjit::maps
