package org.ocspcluster.benchmarks.endtoend;

/**
 * One measured run of one target in one round of a section, with the CPU the serving processes
 * spent per request (the front: balancer, HAProxy, nginx or openssl; the members behind it) and the
 * front's resident memory at the end.
 */
record Run(
    String section,
    String target,
    int round,
    Load load,
    double frontCpuMicrosPerRequest,
    double memberCpuMicrosPerRequest,
    double frontRssMiB) {}
