// docs/helpers.md lists every helper of the builtin table by id (a row "| id |", or a
// range "| a–b |"), and nothing the table lacks: the document cannot drift from the code.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "helpers/helper_table.hpp"

using namespace ebpfjit;

TEST_CASE("docs/helpers.md lists exactly the builtin helpers by id", "[helpers][docs]") {
    std::ifstream in(std::string(EBPFJIT_SOURCE_DIR) + "/docs/helpers.md");
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    const auto at = doc.find("## The helpers by id");
    REQUIRE(at != std::string::npos);
    std::set<int32_t> documented;
    const std::regex row(R"(\n\| (\d+)(?:–(\d+))? \| ([a-z0-9_/\[\]]+) \|)");
    for (std::sregex_iterator it(doc.begin() + long(at), doc.end(), row), end; it != end; ++it) {
        const int first = std::stoi((*it)[1]);
        const int last = (*it)[2].matched ? std::stoi((*it)[2]) : first;
        for (int id = first; id <= last; ++id) documented.insert(id);
    }
    std::set<int32_t> builtin;
    for (const auto& [id, h] : helpers::HelperTable::builtin().all()) builtin.insert(id);
    for (int32_t id : builtin) {
        INFO("helper " << id << " " << helpers::helper_name(id));
        CHECK(documented.count(id) == 1);
    }
    for (int32_t id : documented) {
        INFO("documented helper " << id << " " << helpers::helper_name(id));
        CHECK(builtin.count(id) == 1);
    }
}
