// BPF_MAP_TYPE_LPM_TRIE: longest-prefix match over struct bpf_lpm_trie_key
// { u32 prefixlen; u8 data[key_size - 4]; } (data in network byte order: bit 0 is the
// most significant bit of data[0]), as the kernel's lpm_trie.c does it: a
// path-compressed binary trie whose intermediate nodes (always two children) only
// branch, never match.
//
// Readers take the trie's shared lock; writers the exclusive one. Nodes are recycled,
// never freed while the map lives, so a value pointer from lookup() stays valid memory.
#pragma once

#include <memory>
#include <shared_mutex>
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

    uint32_t size() const { return n_entries_; }

private:
    struct Node;
    Node* new_node(uint32_t prefixlen, const uint8_t* data, const void* value);
    void recycle(Node* n);
    uint32_t match_len(const Node* n, uint32_t prefixlen, const uint8_t* data) const;

    uint32_t data_size_;
    uint32_t max_prefixlen_;
    Node* root_ = nullptr;
    uint32_t n_entries_ = 0;
    std::shared_mutex lock_;
    std::vector<std::unique_ptr<uint8_t[]>> storage_; // every node ever made
    std::vector<Node*> free_nodes_;
};

} // namespace ebpfjit::maps
