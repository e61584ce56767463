// `ebpfjit run OBJECT --program NAME --pcap IN` as a user drives it, on both engines:
//  - --redirect-dir DIR: one port-<N>.pcap per redirect port, holding exactly the frames
//    the program sent there (bpf_redirect and bpf_redirect_map over a DEVMAP), in capture
//    order and as the program left them; --out holds the XDP_PASS frames;
//  - --threads N: the firewall's verdicts, per-rule counters (summed over CPUs) and output
//    frames are those of one thread, also with --threads 4 and --repeat.
// Expected frames and counts are worked out here from the frames alone.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebpfjit/packet/pcap_io.hpp"

namespace fs = std::filesystem;
namespace pkt = ebpfjit::packet;

namespace {

const std::vector<std::string> kEngines = {"interp", "jit"};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A fresh work directory per use, so test cases never see each other's files.
fs::path work_dir(const std::string& name) {
    const fs::path dir = fs::path(EBPFJIT_BINARY_DIR) / "tests" / "pcap_cli_work" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

// Runs `build/ebpfjit <args>` in `dir`; returns the exit status (stderr shown on failure).
int ebpfjit(const fs::path& dir, const std::string& args) {
    const fs::path exe = fs::path(EBPFJIT_BINARY_DIR) / "ebpfjit";
    const std::string cmd = "cd '" + dir.string() + "' && " + EBPFJIT_TEST_EMULATOR + " '" + exe.string() +
                            "' " + args + " >stdout 2>stderr";
    const int raw = std::system(cmd.c_str());
    REQUIRE(raw != -1);
    INFO("ebpfjit " << args << "\nstderr: " << slurp(dir / "stderr"));
    const int status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    CHECK(status == 0);
    return status;
}

nlohmann::json read_json(const fs::path& p) {
    std::ifstream in(p);
    auto j = nlohmann::json::parse(in, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return j;
}

// ["0x0a", 11, ...] -> bytes
std::vector<uint8_t> bytes_of(const nlohmann::json& list) {
    std::vector<uint8_t> out;
    for (const auto& b : list)
        out.push_back(b.is_string() ? uint8_t(std::stoul(b.get<std::string>(), nullptr, 0)) : b.get<uint8_t>());
    return out;
}

uint64_t le64(const std::vector<uint8_t>& v, size_t offset) {
    uint64_t x = 0;
    for (int b = 7; b >= 0; --b) x = x << 8 | v[offset + size_t(b)];
    return x;
}

std::vector<std::vector<uint8_t>> frames_of(const fs::path& p) {
    auto capture = pkt::read_pcap(p.string());
    INFO(p << ": " << (capture ? "" : capture.error().to_string()));
    REQUIRE(capture.has_value());
    std::vector<std::vector<uint8_t>> frames;
    for (size_t i = 0; i < capture->size(); ++i) {
        const auto f = capture->frame(i);
        frames.emplace_back(f.begin(), f.end());
    }
    return frames;
}

// The report's "verdicts" object: verdict name -> count.
std::map<std::string, uint64_t> verdicts_of(const nlohmann::json& report) {
    std::map<std::string, uint64_t> verdicts;
    for (const auto& [name, count] : report["verdicts"].items()) verdicts[name] = count.get<uint64_t>();
    return verdicts;
}

void write_pcap(const fs::path& p, const std::vector<std::vector<uint8_t>>& frames) {
    auto writer = pkt::PcapWriter::create(p.string());
    REQUIRE(writer.has_value());
    for (size_t i = 0; i < frames.size(); ++i) writer->write(frames[i], 0, int64_t(1000 + i), 0);
    REQUIRE(writer->close().has_value());
}

// ---- the redirect program (progs/xdp_redirect_ports.c) ---------------------------------

// IPv4 frame to 10.0.0.<last>, padded to 60 bytes.
std::vector<uint8_t> ipv4_frame(uint8_t last) {
    std::vector<uint8_t> f(60, 0);
    for (int i = 0; i < 6; ++i) f[size_t(i)] = uint8_t(0x10 + i), f[size_t(6 + i)] = uint8_t(0x20 + i);
    f[12] = 0x08, f[13] = 0x00;
    f[14] = 0x45, f[17] = 46, f[22] = 64, f[23] = 17;
    f[26] = 192, f[27] = 0, f[28] = 2, f[29] = 1;
    f[30] = 10, f[31] = 0, f[32] = 0, f[33] = last;
    return f;
}

std::vector<std::vector<uint8_t>> redirect_input() {
    std::vector<std::vector<uint8_t>> frames;
    for (int i = 0; i < 40; ++i) frames.push_back(ipv4_frame(uint8_t(i * 7)));
    std::vector<uint8_t> arp(60, 0xff);
    arp[12] = 0x08, arp[13] = 0x06;
    frames.insert(frames.begin() + 5, arp);
    frames.insert(frames.begin() + 17, std::vector<uint8_t>(20, 0x08)); // too short for IPv4
    frames.push_back(arp);
    return frames;
}

// The DEVMAP: slot 1 -> port 21, slot 3 -> port 33, slot 2 empty.
const char* kPortsInit = R"({"maps": {"ports": {"entries": [
  {"key": [1, 0, 0, 0], "value": [21, 0, 0, 0]},
  {"key": [3, 0, 0, 0], "value": [33, 0, 0, 0]}]}}})";

struct RedirectExpectation {
    std::map<uint32_t, std::vector<std::vector<uint8_t>>> ports; // port -> frames in order
    std::vector<std::vector<uint8_t>> passed;
    std::map<std::string, uint64_t> verdicts;
};

RedirectExpectation expect_redirects(const std::vector<std::vector<uint8_t>>& input) {
    static const uint32_t kPortOf[4] = {7, 21, 0, 33};
    RedirectExpectation e;
    for (auto f : input) {
        if (f.size() < 34 || f[12] != 0x08 || f[13] != 0x00) {
            ++e.verdicts["XDP_DROP"];
            continue;
        }
        const uint32_t choice = f[33] & 3;
        f[0] = uint8_t(0xa0 + choice);
        if (choice == 2) {
            ++e.verdicts["XDP_PASS"];
            e.passed.push_back(f);
        } else {
            ++e.verdicts["XDP_REDIRECT"];
            e.ports[kPortOf[choice]].push_back(f);
        }
    }
    return e;
}

std::string redirect_object() { return std::string(EBPFJIT_PCAP_CLI_PROGS_DIR) + "/xdp_redirect_ports.o"; }

// Runs the redirect program over `input` in a fresh work dir `<name>_<engine>`.
fs::path run_redirects(const std::string& name, const std::vector<std::vector<uint8_t>>& input,
                       const std::string& engine, uint32_t threads) {
    const fs::path dir = work_dir(name + "_" + engine);
    write_pcap(dir / "in.pcap", input);
    std::ofstream(dir / "ports.json") << kPortsInit;
    ebpfjit(dir, "run '" + redirect_object() + "' --program xdp_redirect_ports --pcap in.pcap --map-init ports.json"
                 " --out out.pcap --redirect-dir ports --json report.json --engine " + engine +
                 " --threads " + std::to_string(threads));
    return dir;
}

void check_redirects(const fs::path& dir, const RedirectExpectation& expected) {
    std::map<uint32_t, std::vector<std::vector<uint8_t>>> written;
    for (const auto& entry : fs::directory_iterator(dir / "ports")) {
        const std::string name = entry.path().filename().string();
        INFO("file " << name);
        REQUIRE(name.starts_with("port-"));
        REQUIRE(name.ends_with(".pcap"));
        written[uint32_t(std::stoul(name.substr(5)))] = frames_of(entry.path());
    }
    CHECK(written.size() == expected.ports.size());
    for (const auto& [port, frames] : expected.ports) {
        INFO("port " << port);
        REQUIRE(written.count(port) == 1);
        CHECK(written[port] == frames);
    }
    CHECK(frames_of(dir / "out.pcap") == expected.passed);
    CHECK(verdicts_of(read_json(dir / "report.json")) == expected.verdicts);
}

// ---- the firewall example --------------------------------------------------------------

struct FirewallRun {
    std::map<std::string, uint64_t> verdicts;
    std::map<uint32_t, std::pair<uint64_t, uint64_t>> rules; // slot -> packets, bytes (all CPUs)
    std::vector<std::vector<uint8_t>> out;
    uint64_t packets = 0;
};

FirewallRun run_firewall(const std::string& engine, uint32_t threads, uint32_t repeat) {
    const fs::path dir = work_dir("firewall_" + engine + "_" + std::to_string(threads) + "x" + std::to_string(repeat));
    const std::string examples = EBPFJIT_EXAMPLES_DIR, source = EBPFJIT_SOURCE_DIR;
    ebpfjit(dir, "run '" + examples + "/xdp_firewall.o' --program xdp_firewall --pcap '" + source +
                     "/examples/pcaps/firewall.pcap' --map-init '" + source +
                     "/examples/xdp_firewall.maps.json' --out out.pcap --json report.json --engine " + engine +
                     " --threads " + std::to_string(threads) + " --repeat " + std::to_string(repeat));
    FirewallRun run;
    const auto report = read_json(dir / "report.json");
    run.packets = report["packets"].get<uint64_t>();
    run.verdicts = verdicts_of(report);
    for (const auto& entry : report["maps"]["rule_stats"]["entries"]) {
        const auto key = bytes_of(entry["key"]);
        auto& totals = run.rules[key[0]];
        for (const auto& cpu : entry["values"]) {
            const auto value = bytes_of(cpu["value"]);
            totals.first += le64(value, 0);
            totals.second += le64(value, 8);
        }
    }
    run.out = frames_of(dir / "out.pcap");
    return run;
}

} // namespace

TEST_CASE("--redirect-dir: one capture per port with the frames redirected there", "[pcap_cli]") {
    const auto input = redirect_input();
    const auto expected = expect_redirects(input);
    REQUIRE(expected.ports.size() == 3);
    REQUIRE(expected.passed.size() == 10);
    for (const auto& engine : kEngines) {
        INFO("engine " << engine);
        check_redirects(run_redirects("redirect", input, engine, 1), expected);
    }
}

TEST_CASE("--threads 4: redirect files and verdicts are those of one thread", "[pcap_cli][threads]") {
    const auto input = redirect_input();
    const auto expected = expect_redirects(input);
    for (const auto& engine : kEngines) {
        INFO("engine " << engine);
        check_redirects(run_redirects("redirect_threads", input, engine, 4), expected);
    }
}

TEST_CASE("--threads 2 and 4: the firewall's map totals are those of one thread", "[pcap_cli][threads]") {
    const auto capture = pkt::read_pcap(std::string(EBPFJIT_SOURCE_DIR) + "/examples/pcaps/firewall.pcap");
    REQUIRE(capture.has_value());
    uint64_t capture_bytes = 0;
    for (size_t i = 0; i < capture->size(); ++i) capture_bytes += capture->frame(i).size();
    for (const auto& engine : kEngines) {
        INFO("engine " << engine);
        const auto one = run_firewall(engine, 1, 1);
        // Every frame is counted under exactly one rule slot.
        uint64_t packets = 0, bytes = 0;
        for (const auto& [slot, totals] : one.rules) packets += totals.first, bytes += totals.second;
        CHECK(one.packets == capture->size());
        CHECK(packets == capture->size());
        CHECK(bytes == capture_bytes);
        CHECK(one.verdicts.size() == 2); // XDP_PASS and XDP_DROP both occur
        CHECK(one.out.size() == one.verdicts.at("XDP_PASS"));

        const auto two = run_firewall(engine, 2, 1);
        CHECK(two.packets == one.packets);
        CHECK(two.verdicts == one.verdicts);
        CHECK(two.rules == one.rules);
        CHECK(two.out == one.out);

        // Four workers, three passes: every total three times over; frames from the first pass.
        const auto four = run_firewall(engine, 4, 3);
        CHECK(four.packets == 3 * one.packets);
        for (const auto& [name, count] : one.verdicts) CHECK(four.verdicts.at(name) == 3 * count);
        for (const auto& [slot, totals] : one.rules) {
            INFO("rule slot " << slot);
            CHECK(four.rules.at(slot) == std::pair{3 * totals.first, 3 * totals.second});
        }
        CHECK(four.out == one.out);
    }
}
