package org.ocspcluster.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.pki.Pem;
import org.ocspcluster.responder.ocsp.OcspService;
import org.ocspcluster.responder.ocsp.ServedCa;
import org.ocspcluster.responder.revocation.CrlRevocationSource;
import org.ocspcluster.responder.signing.ResponseSigner;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The responder's work per request without the network: parse, look up and sign (on the calling
 * thread); the same request answered pre-produced; and the malformed path that never signs. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class ResponseBenchmark {

  @Param({"EC", "RSA"})
  public String keyType;

  private OcspService service;
  private OcspService cached;
  private byte[] goodRequest;
  private final byte[] garbage = {0x30, 0x03, 0x02, 0x01, 0x00};

  @Setup
  public void setUp() throws Exception {
    DemoPki pki = DemoPki.create("localhost", 8080, DemoPki.KeyType.valueOf(keyType));
    Path dir = Files.createTempDirectory("ocsp-bench");
    Path crl = dir.resolve("ca.crl");
    Pem.write(crl, pki.crl());
    CrlRevocationSource source = new CrlRevocationSource("bench", crl, pki.ca());
    source.refresh();
    ServedCa served =
        new ServedCa(
            "bench",
            pki.ca(),
            source,
            ResponseSigner.create(pki.signer(), pki.signerKeys().getPrivate(), pki.ca()));
    // Signing on the calling thread, and no cache: every answer is signed.
    service =
        new OcspService(
            List.of(served),
            Runnable::run,
            Clock.systemUTC(),
            new OcspService.Settings(false, 0),
            org.ocspcluster.responder.ocsp.OcspEvents.NONE);
    cached = new OcspService(List.of(served), Runnable::run, Clock.systemUTC());
    CertificateID id =
        new CertificateID(
            new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
            pki.ca(),
            pki.good().getSerialNumber());
    goodRequest = new OCSPReqBuilder().addRequest(id).build().getEncoded();
  }

  @Benchmark
  public byte[] signedAnswer() {
    return service.answer(goodRequest).join().encoded();
  }

  /** A nonce-less request answered from the pre-produced cache: parse and look up, no signing. */
  @Benchmark
  public byte[] preProducedAnswer() {
    return cached.answer(goodRequest).join().encoded();
  }

  @Benchmark
  public byte[] malformedAnswer() {
    return service.answer(garbage).join().encoded();
  }
}
