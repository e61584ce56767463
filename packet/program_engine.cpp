#include "packet/program_engine.hpp"

namespace ebpfjit::runtime::packet {

namespace {

class ProgramFrameEngine final : public FrameEngine {
public:
    ProgramFrameEngine(const ebpfjit::Program& program, ebpfjit::RunOptions options)
        : program_(program), options_(options) {}

    Result<void> run_xdp(std::span<XdpFrame* const> frames, std::span<XdpVerdict> out,
                         size_t& completed) const override {
        return program_.run_xdp_burst(frames, out, completed, options_);
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

} // namespace ebpfjit::runtime::packet
