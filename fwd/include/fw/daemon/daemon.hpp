// The composition root of `fwd`: parses the command line and wires store, invoker, controller,
// gateway and HTTP server together for `fwd standalone`, and runs the admin commands.
#pragma once

namespace fw::daemon {

// Entry point of the fwd executable; returns the process exit code.
int main(int argc, char** argv);

}  // namespace fw::daemon
