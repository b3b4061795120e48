package org.ocspcluster.config;

/**
 * A member (NLB host): its name, its dedicated address (where the balancer forwards and probes,
 * and where the responder listens), its unique host priority (1 is highest) and its load weight
 * (0..100; absent means equal).
 */
public record Member(String name, HostPort address, Integer priority, Integer weight) {}
