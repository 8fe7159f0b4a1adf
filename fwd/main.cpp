#include "fw/daemon/daemon.hpp"

int main(int argc, char** argv) { return fw::daemon::main(argc, argv); }
