#include "ebpfjit/packet/pcap_io.hpp"

#include <pcap/pcap.h>

#include <fmt/format.h>

#include <cstdio>
#include <utility>

namespace ebpfjit::packet {

namespace {
Error file_error(const std::string& path, std::string message) {
    return Error{std::move(message), {}, path, {}, {}};
}
} // namespace

void Capture::append(std::span<const uint8_t> data, uint32_t original, int64_t seconds,
                     int32_t microseconds) {
    const uint64_t offset = bytes.size();
    bytes.insert(bytes.end(), data.begin(), data.end());
    frames.push_back({offset, uint32_t(data.size()),
                      original ? original : uint32_t(data.size()), seconds, microseconds});
}

Result<Capture> read_pcap(const std::string& path) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* handle = pcap_open_offline(path.c_str(), errbuf);
    if (!handle) {
        // libpcap often starts its message with the path already.
        std::string reason = errbuf;
        if (reason.starts_with(path + ": ")) reason.erase(0, path.size() + 2);
        return fail(file_error(path, "not a readable capture: " + reason));
    }
    std::unique_ptr<pcap_t, void (*)(pcap_t*)> guard(handle, pcap_close);

    Capture capture;
    capture.linktype = pcap_datalink(handle);
    if (capture.linktype != kLinktypeEthernet)
        return fail(file_error(
            path, fmt::format("link type {} ({}) is not Ethernet", capture.linktype,
                                 pcap_datalink_val_to_name(capture.linktype)
                                     ? pcap_datalink_val_to_name(capture.linktype) : "unknown")));
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    for (;;) {
        // Where the next record starts, for the error message (pcap and pcapng alike).
        const long offset = pcap_file(handle) ? std::ftell(pcap_file(handle)) : 0;
        const int status = pcap_next_ex(handle, &header, &data);
        if (status == PCAP_ERROR_BREAK) break; // end of file
        if (status != 1)
            return fail(Error::at_offset(path, uint64_t(offset),
                                         fmt::format("frame {}: {}", capture.frames.size(),
                                                     pcap_geterr(handle))));
        capture.append({data, header->caplen}, header->len, header->ts.tv_sec,
                       int32_t(header->ts.tv_usec));
    }
    return capture;
}

PcapWriter::PcapWriter(std::string path, pcap_t* handle, pcap_dumper_t* dumper)
    : path_(std::move(path)), handle_(handle), dumper_(dumper) {}

PcapWriter::PcapWriter(PcapWriter&& other) noexcept
    : path_(std::move(other.path_)),
      handle_(std::exchange(other.handle_, nullptr)),
      dumper_(std::exchange(other.dumper_, nullptr)),
      written_(other.written_) {}

PcapWriter& PcapWriter::operator=(PcapWriter&& other) noexcept {
    if (this != &other) {
        (void)close();
        path_ = std::move(other.path_);
        handle_ = std::exchange(other.handle_, nullptr);
        dumper_ = std::exchange(other.dumper_, nullptr);
        written_ = other.written_;
    }
    return *this;
}

PcapWriter::~PcapWriter() { (void)close(); }

Result<PcapWriter> PcapWriter::create(const std::string& path) {
    pcap_t* handle = pcap_open_dead(DLT_EN10MB, 262144);
    if (!handle) return fail(file_error(path, "cannot create a pcap handle"));
    pcap_dumper_t* dumper = pcap_dump_open(handle, path.c_str());
    if (!dumper) {
        std::string reason = pcap_geterr(handle);
        pcap_close(handle);
        return fail(file_error(path, fmt::format("cannot write: {}", reason)));
    }
    return PcapWriter(path, handle, dumper);
}

void PcapWriter::write(std::span<const uint8_t> frame, uint32_t original, int64_t seconds,
                       int32_t microseconds) {
    pcap_pkthdr header{};
    header.ts.tv_sec = seconds;
    header.ts.tv_usec = microseconds;
    header.caplen = uint32_t(frame.size());
    header.len = original ? original : uint32_t(frame.size());
    pcap_dump(reinterpret_cast<u_char*>(dumper_), &header, frame.data());
    ++written_;
}

Result<void> PcapWriter::close() {
    if (!dumper_) return {};
    const bool flushed = pcap_dump_flush(dumper_) == 0;
    pcap_dump_close(dumper_);
    pcap_close(handle_);
    dumper_ = nullptr;
    handle_ = nullptr;
    if (!flushed) return fail(file_error(path_, "write failed"));
    return {};
}

} // namespace ebpfjit::packet
