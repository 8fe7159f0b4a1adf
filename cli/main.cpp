// fwctl: the Firework command-line client. All of it lives in fw_cli (cli/src/app.cpp).
#include "fw/cli/app.hpp"

int main(int argc, char** argv) { return fw::cli::run(argc, argv, fw::cli::Io::process()); }
