// Shared helpers of the sandbox tests: a launcher configured for tests (its own cgroup parent and
// state dir), running one command to completion with its output, and the "nothing left behind"
// checks every test ends with.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "fw/invoker/sandbox_launcher.hpp"

namespace fw::test {

struct Outcome {
    int status = -1;  // wait status
    std::string out, err;
    invoker::Usage usage;
    bool timedOut = false;
    std::string launchError;  // set when launch() failed
};

struct Job {
    std::vector<std::string> argv;
    std::vector<std::string> env = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"};
    std::vector<invoker::BindMount> mounts;
    int memoryMb = 128;
    int pidsMax = 64;
    int tmpSizeMb = 16;
    bool network = false;
    std::chrono::milliseconds timeout{20000};
};

invoker::SandboxLauncherOptions testOptions();
invoker::Launcher& testLauncher();
std::string newInstanceId();
Outcome runToEnd(const Job& job);
std::vector<std::string> sh(const std::string& script);
std::vector<std::string> py(const std::string& code);

// What the host holds of our sandboxes right now; empty when nothing is left.
std::vector<std::string> leftovers();
// Waits up to `within` for leftovers() to be empty; returns what is still there.
std::vector<std::string> waitNoLeftovers(std::chrono::milliseconds within = std::chrono::milliseconds(3000));

// Processes on the host whose command line contains `needle`.
std::vector<int> hostPidsWithCmdline(const std::string& needle);
// The parent of `pid` (-1 when it has gone).
int parentOf(int pid);
// The fw-sandbox spawners (`fw-sandbox serve`) whose parent is `parent`.
std::vector<int> spawnersOf(int parent);

std::string describe(const Outcome& o);

}  // namespace fw::test
