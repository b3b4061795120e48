package org.ocspcluster.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logging set up in code, found by logback through the service loader: one readable line per event
 * (or one JSON object per line with {@code --log-format json}) on standard output, Netty's and
 * ZooKeeper's chatter below INFO, the root level from {@code OCSP_CLUSTER_LOG_LEVEL}.
 *
 * <p>In code rather than a logback.xml since reading XML configuration is a large part of a
 * process's start (a member restarting under load is back sooner without it). A {@code
 * logback.configurationFile} given by the operator is still read instead.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class ConsoleLogging extends ContextAwareBase implements Configurator {

  /** The system property {@code Main} sets to {@code json} for {@code --log-format json}. */
  public static final String FORMAT_PROPERTY = "ocsp-cluster.log-format";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("console");
    console.setEncoder(encoder(context, "json".equals(System.getProperty(FORMAT_PROPERTY))));
    console.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    // As logback.xml's ${OCSP_CLUSTER_LOG_LEVEL:-INFO} did: a system property, else the
    // environment; a word that is no level leaves INFO.
    String level =
        System.getProperty("OCSP_CLUSTER_LOG_LEVEL", System.getenv("OCSP_CLUSTER_LOG_LEVEL"));
    root.setLevel(Level.toLevel(level, Level.INFO));
    root.addAppender(console);
    context.getLogger("io.netty").setLevel(Level.WARN);
    context.getLogger("org.apache.zookeeper").setLevel(Level.ERROR);
    context.getLogger("org.apache.curator").setLevel(Level.ERROR);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext context, boolean json) {
    if (json) {
      JsonEncoder encoder = new JsonEncoder();
      encoder.setContext(context);
      encoder.setWithSequenceNumber(false);
      encoder.setWithNanoseconds(false);
      encoder.setWithContext(false);
      encoder.setWithMDC(false);
      encoder.setWithKVPList(false);
      encoder.setWithMessage(false);
      encoder.setWithArguments(false);
      encoder.setWithFormattedMessage(true);
      encoder.setWithThrowable(true);
      encoder.start();
      return encoder;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %msg%n");
    encoder.start();
    return encoder;
  }
}
