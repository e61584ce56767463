// The packet library's public face (packet/include/): running an Object's program over a
// capture, as an embedder would over received bursts:
//
//   Capture ──split──► worker 0: frames [0, n/T)   ─┐  each worker: its own per-CPU slot,
//                      worker 1: frames [n/T, 2n/T) ─┤  its own 32 buffer slots (each frame
//                      ...                          ─┘  copied into one and run there in
//                                                       place: a burst of zero-copy
//                                                       XdpBuffers per engine call) or
//                                                       SkbPacket, `repeat` passes over
//                                                       its share
//                                                    ▼
//   RunReport: verdict counts over every pass, per-frame verdicts and the frames that go
//   on (--out / --redirect-dir) from the first pass, in capture order; wall time.
//
// Maps are shared by all workers (they live in the Object); per-CPU maps get one slot per
// worker. A run that faults (an engine error) stops with an Error naming the frame.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ebpfjit/ebpfjit.hpp"
#include "ebpfjit/error.hpp"
#include "ebpfjit/packet/pcap_io.hpp"

namespace ebpfjit::packet {

struct RunOptions {
    uint32_t threads = 1;
    uint32_t repeat = 1;
    XdpRxInfo rx{};                // ingress_ifindex / rx_queue_index the programs see
    bool keep_frames = true;       // record the frames that go on (first pass only)
    // Called on the calling thread about every 100 ms while workers run.
    std::function<void(uint64_t done, uint64_t total)> progress;
};

struct OutputFrame {
    uint32_t index = 0;                // frame number in the capture
    std::optional<uint32_t> redirect;  // port, for --redirect-dir; else it goes to --out
    std::vector<uint8_t> bytes;        // as the program left it (socket filters: trimmed)
};

struct RunReport {
    uint64_t packets = 0;                      // frames run, over all passes
    std::map<std::string, uint64_t> verdicts;  // "XDP_PASS" -> count, over all passes
    // First pass, per frame: the u32 an XDP or tc program returned; for socket filters
    // the bytes kept (r0 capped at the frame's length).
    std::vector<uint64_t> r0;
    std::vector<std::string> frame_verdicts;   // first pass, per frame
    std::vector<OutputFrame> outputs;          // first pass, in capture order
    double seconds = 0;                        // wall time of the whole run

    double ns_per_packet() const { return packets ? seconds * 1e9 / double(packets) : 0; }
    double mpps() const { return seconds > 0 ? double(packets) / seconds / 1e6 : 0; }
};

// `program` (an xdp, tc or socket-filter program) on the engine `engine` names; the
// program's Object must outlive the call.
Result<RunReport> run_capture(const ebpfjit::Program& program, const Capture& capture,
                              const RunOptions& options = {}, const ebpfjit::RunOptions& engine = {});

} // namespace ebpfjit::packet
