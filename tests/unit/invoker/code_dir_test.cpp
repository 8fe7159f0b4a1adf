#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <zip.h>

#include <fstream>
#include <sstream>

#include "code_dir.hpp"
#include "fw/common/util.hpp"

namespace fw::invoker {
namespace fs = std::filesystem;
namespace {

// Builds a zip in memory: {name, content, mode}.
std::string makeZip(const std::vector<std::tuple<std::string, std::string, mode_t>>& files) {
    char path[] = "/tmp/fw-zip-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    int err = 0;
    zip_t* z = zip_open(path, ZIP_TRUNCATE, &err);
    std::vector<std::string> keep;
    for (const auto& [name, content, mode] : files) {
        keep.push_back(content);
        zip_source_t* s = zip_source_buffer(z, keep.back().data(), keep.back().size(), 0);
        zip_int64_t idx = zip_file_add(z, name.c_str(), s, ZIP_FL_OVERWRITE);
        zip_file_set_external_attributes(z, static_cast<zip_uint64_t>(idx), 0, ZIP_OPSYS_UNIX,
                                         static_cast<zip_uint32_t>((S_IFREG | mode) << 16));
    }
    zip_close(z);
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    fs::remove(path);
    return ss.str();
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class CodeDirTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/fw-code-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        root_ = tmpl;
    }
    void TearDown() override { fs::remove_all(root_); }
    fs::path root_;
};

TEST_F(CodeDirTest, TextCodeGoesWhereTheRuntimeLooks) {
    struct Case {
        std::string kind;
        std::string file;
        bool executable;
    } cases[] = {{"python:3", "__main__.py", false}, {"nodejs:20", "index.js", false},
                 {"blackbox", "exec", true}};
    int n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.kind);
        ActionCode code{c.kind, std::make_shared<const std::string>("#!/bin/sh\necho {}\n"), false, "main", ""};
        auto dir = materialize(code, root_ / std::to_string(n++));
        ASSERT_TRUE(dir) << dir.error().message;
        EXPECT_EQ(slurp((*dir)->path() / c.file), "#!/bin/sh\necho {}\n");
        struct stat st {};
        ASSERT_EQ(stat(((*dir)->path() / c.file).c_str(), &st), 0);
        EXPECT_EQ((st.st_mode & S_IXUSR) != 0, c.executable);
    }
}

TEST_F(CodeDirTest, ZipIsUnpackedWithExecBits) {
    std::string zip = makeZip({{"exec", "#!/bin/sh\n", 0755}, {"lib/data.txt", "data", 0644}});
    ActionCode code{"blackbox", std::make_shared<const std::string>(base64Encode(zip)), true, "main", ""};
    auto dir = materialize(code, root_ / "z");
    ASSERT_TRUE(dir) << dir.error().message;
    EXPECT_EQ(slurp((*dir)->path() / "lib/data.txt"), "data");
    struct stat st {};
    ASSERT_EQ(stat(((*dir)->path() / "exec").c_str(), &st), 0);
    EXPECT_TRUE(st.st_mode & S_IXUSR);
}

TEST_F(CodeDirTest, DirectoryIsRemovedWithTheLastReference) {
    ActionCode code{"python:3", std::make_shared<const std::string>("x=1"), false, "main", ""};
    fs::path p;
    {
        auto dir = materialize(code, root_ / "gone");
        ASSERT_TRUE(dir);
        p = (*dir)->path();
        EXPECT_TRUE(fs::exists(p));
    }
    EXPECT_FALSE(fs::exists(p));
}

TEST_F(CodeDirTest, BadArchivesAreRefused) {
    struct Case {
        std::string name;
        ActionCode code;
        std::string message;
    } cases[] = {
        {"zip slip", {"python:3", std::make_shared<const std::string>(base64Encode(makeZip({{"../evil", "x", 0644}}))), true, "main", ""},
         "unsafe entry"},
        {"base64 but not zip", {"python:3", std::make_shared<const std::string>(base64Encode("plain bytes!")), true, "main", ""},
         "not a zip"},
        {"blackbox zip without exec", {"blackbox", std::make_shared<const std::string>(base64Encode(makeZip({{"run.sh", "x", 0755}}))), true, "main", ""},
         "named 'exec'"},
    };
    int n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        fs::path target = root_ / ("bad" + std::to_string(n++));
        auto dir = materialize(c.code, target);
        ASSERT_FALSE(dir);
        EXPECT_EQ(dir.error().code, Errc::InvalidArgument);
        EXPECT_NE(dir.error().message.find(c.message), std::string::npos) << dir.error().message;
        EXPECT_FALSE(fs::exists(target));  // nothing half-written is left
        EXPECT_FALSE(fs::exists(root_.parent_path() / "evil"));
    }
}

}  // namespace
}  // namespace fw::invoker
