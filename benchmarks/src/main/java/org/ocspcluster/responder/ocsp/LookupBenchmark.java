package org.ocspcluster.responder.ocsp;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.ocspcluster.pki.DemoPki;
import org.ocspcluster.pki.Pem;
import org.ocspcluster.responder.revocation.CrlRevocationSource;
import org.ocspcluster.responder.signing.ResponseSigner;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The work before any signing: parsing a request (Bouncy Castle) and finding the revocation
 * configuration its CertID belongs to among 16 served CAs. In the responder's package, since the
 * index is package-private.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class LookupBenchmark {
  private byte[] request;
  private CertificateID id;
  private IssuerIndex index;

  @Setup
  public void setUp() throws Exception {
    Path dir = Files.createTempDirectory("ocsp-lookup");
    List<ServedCa> served = new java.util.ArrayList<>();
    DemoPki last = null;
    for (int i = 0; i < 16; i++) {
      DemoPki pki = DemoPki.create("localhost", 8080, DemoPki.KeyType.EC);
      Path crl = dir.resolve(i + ".crl");
      Pem.write(crl, pki.crl());
      served.add(
          new ServedCa(
              "ca-" + i,
              pki.ca(),
              new CrlRevocationSource("ca-" + i, crl, pki.ca()),
              ResponseSigner.create(pki.signer(), pki.signerKeys().getPrivate(), pki.ca())));
      last = pki;
    }
    index = new IssuerIndex(served);
    id =
        new CertificateID(
            new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
            last.ca(),
            BigInteger.valueOf(77));
    request = new OCSPReqBuilder().addRequest(id).build().getEncoded();
  }

  @Benchmark
  public Object parseRequest() throws Exception {
    return new OCSPReq(request).getRequestList();
  }

  @Benchmark
  public ServedCa certIdLookup() {
    return index.find(id);
  }
}
