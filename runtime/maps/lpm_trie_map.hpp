// BPF_MAP_TYPE_LPM_TRIE: longest-prefix match over struct bpf_lpm_trie_key
// { u32 prefixlen; u8 data[key_size - 4]; } (data in network byte order: bit 0 is the
// most significant bit of data[0]), as the kernel's lpm_trie.c does it: a
// path-compressed binary trie whose intermediate nodes (always two children) only
// branch, never match.
//
// Lookups take no lock (the kernel's take none either: RCU). Writers serialise on a
// mutex and bump a sequence count around every change, seqlock style:
//
//   writer: lock · seq++ (odd) · relink nodes · seq++ (even) · unlock
//   reader: s = seq · walk · s unchanged and even? done : walk again under the mutex
//
// Every node field a walk reads is an atomic, so a walk racing a writer reads stale but
// never torn values, and the sequence check throws such a result away. Writers store with
// release and walks load with acquire (plain moves on x86-64; no fences, which TSan cannot
// follow): a reachable node is complete, and a walk that saw a change sees the odd count. Nodes
// are recycled, never freed while the map lives, so a walk never leaves the map's memory
// and a value pointer from lookup() stays valid memory.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "runtime/maps/map.hpp"

namespace ebpfjit::maps {

class LpmTrieMap final : public Map {
public:
    explicit LpmTrieMap(const MapDefinition& def);
    ~LpmTrieMap() override;

    void* lookup(const void* key) override;
    int update(const void* key, const void* value, uint64_t flags) override;
    int remove(const void* key) override;
    int get_next_key(const void* key, void* next_key) override;

    uint32_t size() const { return n_entries_.load(std::memory_order_relaxed); }

private:
    struct Node;
    Node* new_node(uint32_t prefixlen, const uint8_t* data, const void* value);
    void recycle(Node* n);
    uint32_t match_len(const Node* n, uint32_t prefixlen, const uint8_t* data) const;
    Node* find(uint32_t prefixlen, const uint8_t* data) const; // the longest match, or nullptr
    Node* root() const { return root_.load(std::memory_order_acquire); }

    // Writers hold `write_lock_`; this marks their change for lock-free readers.
    class WriteSection;

    uint32_t data_size_;
    uint32_t value_offset_; // of the value after the node's data: data_size_ rounded up to 8
    uint32_t max_prefixlen_;
    std::atomic<Node*> root_{nullptr};
    std::atomic<uint32_t> n_entries_{0};
    std::atomic<uint32_t> sequence_{0}; // odd while a writer changes the trie
    std::mutex write_lock_;
    std::vector<std::unique_ptr<uint8_t[]>> storage_; // every node ever made
    std::vector<Node*> free_nodes_;
};

} // namespace ebpfjit::maps
