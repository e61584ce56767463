// Reading and writing packet captures (libpcap): a whole capture is read into one flat
// buffer so that a run can replay it many times without touching the file again.
//
//   Capture::bytes   |frame 0|frame 1|......|frame N-1|
//   Capture::frames  {offset, captured, original, ts} per frame
//
// A frame's `captured` bytes are what the file holds; `original` is its length on the wire
// (larger when the capture was taken with a snap length). Programs see the captured bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ebpfjit/error.hpp"

typedef struct pcap pcap_t;
typedef struct pcap_dumper pcap_dumper_t;

namespace ebpfjit::packet {

// LINKTYPE_ETHERNET: every packet program here expects Ethernet frames.
inline constexpr int kLinktypeEthernet = 1;

struct FrameRecord {
    uint64_t offset = 0;   // into Capture::bytes
    uint32_t captured = 0; // bytes stored
    uint32_t original = 0; // bytes on the wire
    int64_t seconds = 0;
    int32_t microseconds = 0;
};

struct Capture {
    int linktype = kLinktypeEthernet;
    std::vector<uint8_t> bytes;
    std::vector<FrameRecord> frames;

    size_t size() const { return frames.size(); }
    std::span<const uint8_t> frame(size_t i) const {
        return {bytes.data() + frames[i].offset, frames[i].captured};
    }
    void append(std::span<const uint8_t> data, uint32_t original, int64_t seconds = 0,
                int32_t microseconds = 0);
};

// Reads a pcap or pcapng file. Errors are one line naming the path (and the frame number
// for a file that breaks off part-way). Only Ethernet captures are accepted.
Result<Capture> read_pcap(const std::string& path);

// Writes frames to a new pcap file (Ethernet, microsecond timestamps).
class PcapWriter {
public:
    static Result<PcapWriter> create(const std::string& path);
    PcapWriter(PcapWriter&&) noexcept;
    PcapWriter& operator=(PcapWriter&&) noexcept;
    ~PcapWriter();

    // `original` 0 means "as captured".
    void write(std::span<const uint8_t> frame, uint32_t original = 0, int64_t seconds = 0,
               int32_t microseconds = 0);
    // Flushes and closes; an error names the path. Called by the destructor otherwise.
    Result<void> close();
    const std::string& path() const { return path_; }
    uint64_t frames_written() const { return written_; }

private:
    PcapWriter(std::string path, pcap_t* handle, pcap_dumper_t* dumper);

    std::string path_;
    pcap_t* handle_ = nullptr;
    pcap_dumper_t* dumper_ = nullptr;
    uint64_t written_ = 0;
};

} // namespace ebpfjit::packet
