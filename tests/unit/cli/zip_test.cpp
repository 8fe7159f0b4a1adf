#include "fw/cli/zip.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <zip.h>

#include <fstream>
#include <map>

#include "fw/cli/action_body.hpp"
#include "fw/common/util.hpp"

namespace fw::cli {
namespace {

namespace fs = std::filesystem;

struct Unzipped {
    std::string content;
    unsigned mode = 0;  // permission bits from the external attributes
    bool directory = false;
};

// Reads an archive back with libzip, as the server will.
std::map<std::string, Unzipped> unzip(const std::string& bytes) {
    std::map<std::string, Unzipped> out;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &ze);
    zip_t* za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (za == nullptr) {
        ADD_FAILURE() << "not a zip: " << zip_error_strerror(&ze);
        zip_source_free(src);
        return out;
    }
    for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0); ++i) {
        auto idx = static_cast<zip_uint64_t>(i);
        std::string name = zip_get_name(za, idx, 0);
        zip_uint8_t opsys = 0;
        zip_uint32_t attrs = 0;
        zip_file_get_external_attributes(za, idx, 0, &opsys, &attrs);
        EXPECT_EQ(opsys, ZIP_OPSYS_UNIX) << name;
        Unzipped u;
        u.mode = (attrs >> 16) & 0777;
        u.directory = name.ends_with('/');
        zip_stat_t st;
        zip_stat_index(za, idx, 0, &st);
        if (!u.directory) {
            zip_file_t* f = zip_fopen_index(za, idx, 0);
            u.content.resize(st.size);
            EXPECT_EQ(zip_fread(f, u.content.data(), st.size), static_cast<zip_int64_t>(st.size));
            zip_fclose(f);
        }
        out[name] = u;
    }
    zip_discard(za);
    return out;
}

class ZipTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/fw-zip-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { fs::remove_all(dir_); }
    void write(const fs::path& rel, const std::string& content, unsigned mode = 0644) {
        fs::create_directories((dir_ / rel).parent_path());
        std::ofstream(dir_ / rel, std::ios::binary) << content;
        ::chmod((dir_ / rel).c_str(), mode);
    }
    fs::path dir_;
};

TEST_F(ZipTest, KeepsRelativePathsContentsAndTheExecBit) {
    const std::string binary(
        "\x7f"
        "ELF\0\x01\xff",
        7);
    write("exec", "#!/bin/sh\necho '{}'\n", 0755);
    write("lib/helper.py", "X = 1\n");
    write("lib/deep/data.bin", binary, 0600);
    write("package.json", R"({"main":"index.js"})");
    fs::create_directories(dir_ / "empty");
    fs::create_symlink("package.json", dir_ / "link.json");

    auto zip = zipDirectory(dir_);
    ASSERT_TRUE(zip) << zip.error().message;
    auto entries = unzip(*zip);

    struct Want {
        std::string name, content;
        unsigned mode;
        bool directory;
    } wants[] = {
        {"empty/", "", 0, true},
        {"exec", "#!/bin/sh\necho '{}'\n", 0755, false},
        {"lib/", "", 0, true},
        {"lib/deep/", "", 0, true},
        {"lib/deep/data.bin", binary, 0600, false},
        {"lib/helper.py", "X = 1\n", 0644, false},
        {"link.json", R"({"main":"index.js"})", 0644, false},
        {"package.json", R"({"main":"index.js"})", 0644, false},
    };
    EXPECT_EQ(entries.size(), std::size(wants));
    for (const auto& w : wants) {
        SCOPED_TRACE(w.name);
        auto it = entries.find(w.name);
        ASSERT_NE(it, entries.end());
        EXPECT_EQ(it->second.directory, w.directory);
        EXPECT_EQ(it->second.content, w.content);
        if (!w.directory) {
            EXPECT_EQ(it->second.mode, w.mode);
        }
    }
}

TEST_F(ZipTest, IsDeterministicInOrder) {
    write("b.txt", "b");
    write("a.txt", "a");
    write("c/d.txt", "d");
    auto zip = zipDirectory(dir_);
    ASSERT_TRUE(zip);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t* src = zip_source_buffer_create(zip->data(), zip->size(), 0, &ze);
    zip_t* za = zip_open_from_source(src, ZIP_RDONLY, &ze);
    ASSERT_NE(za, nullptr);
    std::vector<std::string> names;
    for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0); ++i) {
        names.emplace_back(zip_get_name(za, static_cast<zip_uint64_t>(i), 0));
    }
    zip_discard(za);
    EXPECT_EQ(names, (std::vector<std::string>{"a.txt", "b.txt", "c/", "c/d.txt"}));
}

TEST_F(ZipTest, RefusesWhatItCannotZip) {
    struct Case {
        std::string name;
        std::function<void()> setup;
        std::string mentions;
    } cases[] = {
        {"empty directory", [] {}, "holds no files"},
        {"only directories", [&] { fs::create_directories(dir_ / "a/b"); }, "holds no files"},
        {"link to a directory",
         [&] {
             write("f", "x");
             fs::create_directories(dir_ / "real");
             fs::create_directory_symlink(dir_ / "real", dir_ / "alias");
         },
         "alias"},
        {"fifo",
         [&] {
             write("f", "x");
             ::mkfifo((dir_ / "pipe").c_str(), 0600);
         },
         "pipe"},
        {"dangling link",
         [&] {
             write("f", "x");
             fs::create_symlink(dir_ / "nowhere", dir_ / "dangling");
         },
         "dangling"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        for (const auto& e : fs::directory_iterator(dir_)) fs::remove_all(e.path());
        c.setup();
        auto zip = zipDirectory(dir_);
        ASSERT_FALSE(zip);
        EXPECT_EQ(zip.error().code, Errc::InvalidArgument);
        EXPECT_NE(zip.error().message.find(c.mentions), std::string::npos) << zip.error().message;
    }
    auto notDir = zipDirectory(dir_ / "missing");
    ASSERT_FALSE(notDir);
    EXPECT_NE(notDir.error().message.find("not a directory"), std::string::npos);
}

TEST_F(ZipTest, ReadCodeZipsDirectoriesAndReadsFiles) {
    write("src/main.py", "def main(a):\n    return a\n");
    write("hello.js", "function main(){}\n");
    write("bin",
          std::string("\x7f"
                      "ELF\0",
                      5),
          0755);

    auto dir = readCode(dir_ / "src");
    ASSERT_TRUE(dir) << dir.error().message;
    EXPECT_TRUE(dir->base64 && dir->archive && dir->directory);
    auto decoded = base64Decode(dir->code);
    ASSERT_TRUE(decoded);
    auto entries = unzip(*decoded);
    ASSERT_EQ(entries.count("main.py"), 1u);
    EXPECT_EQ(entries["main.py"].content, "def main(a):\n    return a\n");

    auto js = readCode(dir_ / "hello.js");
    ASSERT_TRUE(js);
    EXPECT_FALSE(js->base64);
    EXPECT_EQ(js->code, "function main(){}\n");

    auto bin = readCode(dir_ / "bin");
    ASSERT_TRUE(bin);
    EXPECT_TRUE(bin->base64);
    EXPECT_FALSE(bin->archive);
    EXPECT_EQ(base64Decode(bin->code), std::string("\x7f"
                                                   "ELF\0",
                                                   5));

    auto missing = readCode(dir_ / "nope.py");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("No such file"), std::string::npos);
}

}  // namespace
}  // namespace fw::cli
