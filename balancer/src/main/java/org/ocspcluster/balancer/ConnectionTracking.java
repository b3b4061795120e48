package org.ocspcluster.balancer;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.function.Supplier;
import org.ocspcluster.balancer.forwarding.ForwardingEvents;
import org.ocspcluster.balancer.hosts.Membership;
import org.ocspcluster.balancer.proxy.ConnectionEvents;
import org.ocspcluster.config.ClusterConfig;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;
import org.ocspcluster.health.PassiveHealth;

/**
 * What the proxy's connection events and the OCSP forwarding's request events change: the
 * membership's counts, the metrics, and passive health.
 */
final class ConnectionTracking implements ConnectionEvents, ForwardingEvents {
  private final Supplier<ClusterConfig> config;
  private final Membership membership;
  private final PassiveHealth health;
  private final BalancerMetrics metrics;

  ConnectionTracking(
      Supplier<ClusterConfig> config,
      Membership membership,
      PassiveHealth health,
      BalancerMetrics metrics) {
    this.config = config;
    this.membership = membership;
    this.health = health;
    this.metrics = metrics;
  }

  @Override
  public void opened(PortRule rule, Member member, Channel client, Channel backend) {
    health.connected(member.name());
    metrics.connection(rule.name(), member.name());
    membership.track(
        rule.name(),
        member.name(),
        client,
        backend,
        config.get().balancer().maxConnectionsPerClient() > 0);
  }

  @Override
  public void connectFailed(Member member) {
    metrics.connectFailure(member.name());
    health.connectFailed(member.name());
  }

  @Override
  public void unanswered(Member member) {
    metrics.unanswered(member.name());
    health.unanswered(member.name());
  }

  @Override
  public void answered(Member member) {
    health.answered(member.name());
  }

  @Override
  public Duration answerTimeout() {
    return config.get().health().timeout();
  }

  @Override
  public void bytes(Member member, boolean toMember, long count) {
    metrics.bytes(member.name(), toMember, count);
  }

  @Override
  public void clientOpened(PortRule rule, Channel client) {
    membership.trackClient(
        rule.name(), client, config.get().balancer().maxConnectionsPerClient() > 0);
  }

  @Override
  public void connected(Member member) {
    health.connected(member.name());
  }

  @Override
  public void failedAnswer(Member member, String reason) {
    health.failedAnswer(member.name(), reason);
  }

  @Override
  public void tried(PortRule rule, Member member, String result) {
    metrics.ocspTry(rule.name(), member.name(), result);
  }

  @Override
  public void retry(PortRule rule, boolean sent) {
    metrics.ocspRetry(rule.name(), sent);
  }

  @Override
  public void cache(PortRule rule, String result) {
    metrics.ocspCache(rule.name(), result);
  }

  @Override
  public void cacheRemoved(PortRule rule, String cause) {
    metrics.ocspCacheRemoved(rule.name(), cause);
  }

  @Override
  public void request(PortRule rule, Member member, String result) {
    metrics.ocspRequest(rule.name(), member == null ? "none" : member.name(), result);
  }
}
