#include "packet/program_engine.hpp"

#include "ebpfjit/packet/capture_run.hpp"
#include "packet/packet_runner.hpp"

namespace ebpfjit::packet {

namespace {

class ProgramFrameEngine final : public FrameEngine {
public:
    ProgramFrameEngine(const ebpfjit::Program& program, ebpfjit::RunOptions options)
        : program_(program), options_(options) {}

    Result<void> run_xdp(std::span<XdpBuffer> buffers, const XdpRxInfo& rx, std::span<XdpVerdict> out,
                         size_t& completed) const override {
        return program_.run_xdp_burst(buffers, out, completed, rx, options_);
    }
    Result<TcVerdict> run_tc(SkbPacket& skb) const override { return program_.run_tc(skb, options_); }
    Result<uint32_t> run_socket_filter(SkbPacket& skb) const override {
        return program_.run_socket_filter(skb, options_);
    }

private:
    ebpfjit::Program program_;
    ebpfjit::RunOptions options_;
};

} // namespace

std::unique_ptr<FrameEngine> program_frame_engine(const ebpfjit::Program& program, ebpfjit::RunOptions options) {
    return std::make_unique<ProgramFrameEngine>(program, options);
}

Result<RunReport> run_capture(const ebpfjit::Program& program, const Capture& capture,
                              const RunOptions& options, const ebpfjit::RunOptions& engine) {
    const auto frame_engine = program_frame_engine(program, engine);
    return run_capture(*frame_engine, program.type(), capture, options);
}

} // namespace ebpfjit::packet
