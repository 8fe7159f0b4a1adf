// Test support: starts the real `fwd standalone` on port 0 in a temporary data directory, waits
// for its readiness line (no sleeps), and stops it with SIGTERM, reporting the exit status. Also
// finds processes a daemon left behind (by their working directory inside the data directory).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "fw/client/client.hpp"

namespace fw::test {

class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

class FwdProcess {
public:
    // `dataDir` is kept between restarts; extra arguments go to `fwd standalone`.
    FwdProcess(std::filesystem::path dataDir, std::vector<std::string> extraArgs = {});
    ~FwdProcess();

    // Starts fwd and waits (bounded) for "fwd ready on URL". Fails the test on a timeout.
    void start();
    // SIGTERM, then waits for the exit; returns the wait status.
    int stop(std::chrono::seconds timeout = std::chrono::seconds(60));
    // SIGKILL, as a crash would.
    void kill9();
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }

    const std::string& apiHost() const { return apiHost_; }
    std::string guestAuth() const;  // from the wskprops file fwd wrote (or the data dir)
    const std::filesystem::path& dataDir() const { return dataDir_; }
    std::filesystem::path wskprops() const { return dataDir_.parent_path() / "wskprops"; }
    client::Client client(const std::string& auth = "") const;
    // What fwd printed to stderr so far (its log).
    std::string log() const;
    // The cgroup (in every hierarchy) under which this daemon's instances live; unique per
    // FwdProcess so that parallel tests can tell their instances apart.
    const std::string& cgroupParent() const { return cgroupParent_; }
    // Processes running in one of this daemon's instance cgroups.
    std::vector<pid_t> instanceProcesses() const;
    // Instance cgroup directories that exist under cgroupParent(), in any hierarchy.
    std::vector<std::string> instanceCgroups() const;
    // Waits (bounded) until no instance process or cgroup is left; returns what is left.
    std::vector<std::string> waitForNoLeftovers(std::chrono::milliseconds timeout) const;

private:
    std::filesystem::path dataDir_;
    std::vector<std::string> extra_;
    pid_t pid_ = -1;
    std::string apiHost_;
    std::filesystem::path logFile_;
    std::string cgroupParent_;
};


// Polls until the activation record exists or the deadline passes.
Result<Json> waitForActivation(client::Client& c, const std::string& id,
                               std::chrono::milliseconds timeout = std::chrono::seconds(30));

// The usage ledger's total invocations of the client's namespace (-1 if it cannot be read).
std::int64_t ledgerInvocations(client::Client& c);

// An action PUT body for text code.
Json actionBody(const std::string& kind, const std::string& code, Json limits = Json::object(),
                const std::string& main = "");

}  // namespace fw::test
