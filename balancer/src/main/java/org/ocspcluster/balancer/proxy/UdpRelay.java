package org.ocspcluster.balancer.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.ocspcluster.config.Member;
import org.ocspcluster.config.PortRule;

/**
 * A UDP port rule's listener. Each client (address and port) gets a session: a datagram socket
 * connected to the member chosen for it, whose replies go back to the client from the cluster
 * address. Sessions idle longer than the timeout are closed. All of a listener's state lives on its
 * one event loop, so it needs no locks.
 */
public final class UdpRelay extends SimpleChannelInboundHandler<DatagramPacket> {

  /** What the relay reports. */
  public interface Events {
    void datagram(PortRule rule, Member member, boolean toMember);
  }

  private record Session(Member member, ChannelFuture channel, long[] lastSeen) {}

  private final PortRule rule;
  private final Selection selection;
  private final Transport transport;
  private final Events events;
  private final long idleNanos;
  private final Map<InetSocketAddress, Session> sessions = new HashMap<>();
  private Channel listener;

  private UdpRelay(
      PortRule rule, Selection selection, Transport transport, Events events, long idleNanos) {
    this.rule = rule;
    this.selection = selection;
    this.transport = transport;
    this.events = events;
    this.idleNanos = idleNanos;
  }

  public static Channel bind(
      EventLoopGroup group,
      Transport transport,
      InetSocketAddress address,
      PortRule rule,
      Selection selection,
      Events events,
      java.time.Duration idleTimeout) {
    UdpRelay relay = new UdpRelay(rule, selection, transport, events, idleTimeout.toNanos());
    Bootstrap b = new Bootstrap();
    if (transport.freeBind()) {
      b.option(io.netty.channel.epoll.EpollChannelOption.IP_FREEBIND, true);
    }
    Channel channel =
        b.group(group)
            .channel(transport.datagram())
            .handler(relay)
            .bind(address)
            .syncUninterruptibly()
            .channel();
    long sweep = Math.max(100, idleTimeout.toMillis() / 2);
    channel.eventLoop().scheduleAtFixedRate(relay::closeIdle, sweep, sweep, TimeUnit.MILLISECONDS);
    channel.closeFuture().addListener(f -> relay.closeAll());
    return channel;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    listener = ctx.channel();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    listener = ctx.channel();
    InetSocketAddress client = packet.sender();
    Session session = sessions.get(client);
    if (session == null || !session.channel().channel().isOpen()) {
      List<Member> candidates = selection.candidates(rule, client);
      if (candidates.isEmpty()) {
        return;
      }
      session = open(ctx, client, candidates.get(0));
      sessions.put(client, session);
    }
    session.lastSeen()[0] = System.nanoTime();
    Session s = session;
    events.datagram(rule, s.member(), true);
    io.netty.buffer.ByteBuf content = packet.content().retain();
    if (s.channel().isDone()) {
      send(s, content);
    } else {
      s.channel().addListener(f -> send(s, content));
    }
  }

  private static void send(Session s, io.netty.buffer.ByteBuf content) {
    if (s.channel().isSuccess() && s.channel().channel().isActive()) {
      s.channel().channel().writeAndFlush(content);
    } else {
      content.release();
    }
  }

  private Session open(ChannelHandlerContext ctx, InetSocketAddress client, Member member) {
    long[] lastSeen = {System.nanoTime()};
    ChannelFuture connected =
        new Bootstrap()
            .group(ctx.channel().eventLoop())
            .channel(transport.datagram())
            .option(ChannelOption.SO_REUSEADDR, false)
            .handler(
                new SimpleChannelInboundHandler<DatagramPacket>() {
                  @Override
                  protected void channelRead0(
                      ChannelHandlerContext memberCtx, DatagramPacket reply) {
                    lastSeen[0] = System.nanoTime();
                    events.datagram(rule, member, false);
                    listener.writeAndFlush(new DatagramPacket(reply.content().retain(), client));
                  }
                })
            .connect(
                selection.addressOf(
                    member, rule, ((InetSocketAddress) listener.localAddress()).getPort()));
    return new Session(member, connected, lastSeen);
  }

  private void closeIdle() {
    long now = System.nanoTime();
    for (Iterator<Session> it = sessions.values().iterator(); it.hasNext(); ) {
      Session s = it.next();
      if (now - s.lastSeen()[0] > idleNanos) {
        s.channel().channel().close();
        it.remove();
      }
    }
  }

  private void closeAll() {
    sessions.values().forEach(s -> s.channel().channel().close());
    sessions.clear();
  }

  /** Open sessions, for tests and metrics. */
  int sessions() {
    return sessions.size();
  }
}
