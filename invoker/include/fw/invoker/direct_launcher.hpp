// DirectLauncher: starts an instance as a plain child process in its own session and process
// group, with the host's filesystem and no resource limits beyond rlimits. It isolates nothing;
// it exists for development on machines without the privileges fw-sandbox needs, and as the
// baseline the sandbox benchmark compares against.
#pragma once

#include "fw/invoker/launcher.hpp"

namespace fw::invoker {

class DirectLauncher final : public Launcher {
public:
    bool isolatesFilesystem() const override { return false; }
    Result<std::unique_ptr<Process>> launch(const LaunchSpec& spec) override;
};

}  // namespace fw::invoker
