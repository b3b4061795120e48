package org.ocspcluster.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.cli.demo.DemoCluster;
import org.ocspcluster.config.ConfigLoader;
import org.ocspcluster.node.Node;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.pki.Pem;
import org.ocspcluster.responder.ResponderMember;
import org.ocspcluster.testing.OcspRequests;

/**
 * A {@code mode: ocsp} rule with its edge cache, in front of two real members (in this JVM):
 * answers kept and served with RFC 5019 headers to GET and POST alike, 304 for a client that has
 * the answer, one member request for many concurrent misses, and a CRL that revokes a cached good
 * certificate turning the very next answer revoked, whether the refresh came through this process
 * or the balancer learned it from a health probe.
 */
class EdgeCacheEndToEndTest {
  @TempDir Path dir;
  DemoPki pki;
  DemoCluster.Ports ports;
  Node cluster;
  final List<ResponderMember> members = new ArrayList<>();
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    int[] free = Clients.freePorts(4);
    ports = new DemoCluster.Ports(free[0], free[1], free[2], free[3]);
    pki = DemoCluster.write(dir, "localhost", ports, DemoPki.KeyType.EC);
    // Data an hour old at start, so that a CRL issued during the test is newer.
    Pem.write(dir.resolve("ca.crl"), pki.crl(Instant.now().minus(Duration.ofHours(1))));
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    Files.writeString(
        yaml,
        Files.readString(yaml)
            .replace(
                "    filteringMode: multipleHost\n",
                "    filteringMode: multipleHost\n    mode: ocsp\n    ocsp:\n      cache: {}\n"));
    cluster = new Node(ConfigLoader.load(yaml));
    cluster.useStore(
        new org.ocspcluster.coordination.FolderConfigStore(dir.resolve("revisions")),
        Files.readString(yaml),
        dir,
        "test");
    for (var m : cluster.config().members()) {
      members.add(
          cluster.startMember(
              m.name(), new InetSocketAddress(m.address().host(), m.address().port())));
    }
    cluster.startBalancer();
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.health().anyUp());
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private byte[] request(BigInteger serial) throws Exception {
    return OcspRequests.request(OcspRequests.sha1(pki.ca(), serial));
  }

  private HttpResponse<byte[]> get(byte[] request, String ifNoneMatch) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
            URI.create(
                "http://127.0.0.1:"
                    + ports.cluster()
                    + "/"
                    + URLEncoder.encode(
                        Base64.getEncoder().encodeToString(request), StandardCharsets.US_ASCII)));
    if (ifNoneMatch != null) {
      b.header("If-None-Match", ifNoneMatch);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<byte[]> post(byte[] request) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.cluster() + "/"))
            .header("Content-Type", "application/ocsp-request")
            .POST(HttpRequest.BodyPublishers.ofByteArray(request))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String status(HttpResponse<byte[]> r) throws Exception {
    assertEquals(200, r.statusCode());
    BasicOCSPResp basic = (BasicOCSPResp) new OCSPResp(r.body()).getResponseObject();
    Object s = basic.getResponses()[0].getCertStatus();
    return s == null ? "good" : s instanceof RevokedStatus ? "revoked" : "unknown";
  }

  private double cache(String result) {
    return cluster
        .registry()
        .find("nlb.ocsp.cache.requests")
        .tags("result", result)
        .counters()
        .stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  private double tries() {
    return cluster.registry().find("nlb.ocsp.tries").counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  @Test
  void aKeptAnswerIsServedToGetAndPostWithCachingHeadersAnd304() throws Exception {
    byte[] good = request(pki.good().getSerialNumber());
    HttpResponse<byte[]> first = get(good, null);
    assertEquals("good", status(first));
    double triesAfterFirst = tries();
    HttpResponse<byte[]> second = get(good, null);
    assertEquals("good", status(second));
    assertEquals(1, cache("hit"));
    assertEquals(triesAfterFirst, tries(), "a hit asks no member");
    String cacheControl = second.headers().firstValue("Cache-Control").orElseThrow();
    assertTrue(
        cacheControl.matches("max-age=\\d+, public, no-transform, must-revalidate"), cacheControl);
    assertNotNull(second.headers().firstValue("Age").orElse(null));
    assertNotNull(second.headers().firstValue("Expires").orElse(null));
    // POST of the same CertID: the same kept answer (the bytes the members signed).
    HttpResponse<byte[]> posted = post(good);
    assertEquals("good", status(posted));
    assertEquals(
        java.util.Arrays.toString(second.body()), java.util.Arrays.toString(posted.body()));
    assertEquals(2, cache("hit"));
    // A client that has the answer is told so.
    String etag = second.headers().firstValue("ETag").orElseThrow();
    HttpResponse<byte[]> notModified = get(good, etag);
    assertEquals(304, notModified.statusCode());
    assertEquals(0, notModified.body().length);
    assertEquals(
        String.valueOf(second.body().length),
        notModified.headers().firstValue("Content-Length").orElse("none"),
        "a 304 tells the length of the answer it stands for");
    assertNotNull(notModified.headers().firstValue("Date").orElse(null));
    assertEquals(1, cache("not_modified"));
    // curl's HEAD through the rule: the GET's status and length, no body.
    Clients.Run head =
        Clients.run(
            List.of(
                "curl",
                "-s",
                "-I",
                "--max-time",
                "10",
                "http://127.0.0.1:"
                    + ports.cluster()
                    + "/"
                    + URLEncoder.encode(
                        Base64.getEncoder().encodeToString(good), StandardCharsets.US_ASCII)));
    assertTrue(head.out().startsWith("HTTP/1.1 200"), head.out());
    assertTrue(
        head.out()
            .toLowerCase(java.util.Locale.ROOT)
            .contains("content-length: " + second.body().length),
        head.out());
    // A nonce asks for an answer of its own: never from the cache.
    Clients.verifiedGood(dir, "http://127.0.0.1:" + ports.cluster());
    assertTrue(cache("bypass") >= 1, "openssl's nonce request bypassed the cache");
    Clients.Run noNonce =
        Clients.openssl(
            dir.resolve("ca.pem"),
            "http://127.0.0.1:" + ports.cluster(),
            "-cert",
            dir.resolve("good.pem").toString(),
            "-no_nonce");
    assertTrue(noNonce.out().contains("Response verify OK"), noNonce.out());
    assertEquals(3, cache("hit"), "openssl without a nonce got the kept answer");
  }

  @Test
  void concurrentMissesForOneCertificateMakeOneMemberRequest() throws Exception {
    byte[] revoked = request(pki.revoked().getSerialNumber());
    double before = tries();
    List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .build()
              .sendAsync(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + ports.cluster()
                                  + "/"
                                  + URLEncoder.encode(
                                      Base64.getEncoder().encodeToString(revoked),
                                      StandardCharsets.US_ASCII)))
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray()));
    }
    for (CompletableFuture<HttpResponse<byte[]>> r : all) {
      assertEquals("revoked", status(r.get()));
    }
    assertEquals(1, tries() - before, "one member request for 20 clients");
    assertEquals(1, cache("miss"));
    assertEquals(19, cache("shared_miss") + cache("hit"));
  }

  /** A certificate of the CA that is good until the test revokes it (not the probe's). */
  static final BigInteger SOON_REVOKED = BigInteger.valueOf(0x4242_4242L);

  @Test
  void aRefreshThatRevokesACachedGoodCertificateTurnsTheNextAnswerRevoked() throws Exception {
    byte[] good = request(SOON_REVOKED);
    assertEquals("good", status(get(good, null)));
    assertEquals("good", status(get(good, null)));
    assertEquals(1, cache("hit"));
    revokeTheSoonRevokedCertificate();
    // Refresh Revocation Data through this process: its balancer drops the CA's answers at once.
    cluster.refresh();
    assertEquals("revoked", status(get(good, null)));
    assertEquals("revoked", status(post(good)));
  }

  @Test
  void newDataAMemberLoadedOnItsOwnIsLearnedFromTheHealthProbes() throws Exception {
    byte[] good = request(SOON_REVOKED);
    assertEquals("good", status(get(good, null)));
    assertEquals("good", status(get(good, null)));
    assertEquals(1, cache("hit"), "the good answer is kept");
    revokeTheSoonRevokedCertificate();
    // The members load the CRL themselves (as on their refresh interval): nothing tells this
    // balancer but the thisUpdate in its next probe answers.
    for (ResponderMember m : members) {
      assertEquals("loaded", m.refreshNow().get("demo"));
    }
    await().atMost(Duration.ofSeconds(15)).until(() -> "revoked".equals(status(get(good, null))));
    assertTrue(
        cluster
                .registry()
                .find("nlb.ocsp.cache.evictions")
                .tags("cause", "dropped")
                .counters()
                .stream()
                .mapToDouble(c -> c.count())
                .sum()
            >= 1);
  }

  @Test
  void aRevisionThatChangesTheConfigurationDropsItsAnswersAndOcspSettingsNeedARestart()
      throws Exception {
    byte[] good = request(SOON_REVOKED);
    assertEquals("good", status(get(good, null)));
    assertEquals("good", status(get(good, null)));
    assertEquals(1, cache("miss"));
    assertEquals(1, cache("hit"));
    assertTrue(
        cluster.balancer().query().rules().get(0).mode().contains("edge cache 1 answers"),
        cluster.balancer().query().rules().get(0).mode());
    Path yaml = dir.resolve(DemoCluster.CONFIG_FILE);
    String revised = Files.readString(yaml).replace("refreshInterval: 1m", "refreshInterval: 2m");
    assertTrue(cluster.apply(revised, dir, "test: the configuration changes").applied());
    // The kept answer is gone at once: the next request asks a member.
    assertEquals("good", status(get(good, null)));
    assertEquals(2, cache("miss"));
    assertEquals(1, cache("hit"));
    // The rule's forwarding is fixed while running: such a revision is refused, nothing changes.
    var refused =
        cluster.apply(
            revised.replace("      cache: {}\n", "      cache: {}\n      tries: 2\n"),
            dir,
            "test: ocsp settings");
    assertEquals(false, refused.applied());
    assertEquals(org.ocspcluster.node.revision.Outcome.Refusal.NEEDS_RESTART, refused.refusal());
  }

  private void revokeTheSoonRevokedCertificate() throws Exception {
    Pem.write(
        dir.resolve("ca.crl"),
        pki.crl(
            Instant.now(),
            Instant.now().plus(DemoPki.CRL_VALIDITY),
            Map.of(SOON_REVOKED, CRLReason.keyCompromise)));
  }
}
