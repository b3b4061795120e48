package org.ocspcluster.responder.ocsp;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.ocspcluster.responder.http.GetRequestPathAccess;

/**
 * Coverage-guided fuzzing (Jazzer) of what a request's bytes go through: the GET path decoding and
 * {@link OcspService#answer}. Every input must come back as a well-formed OCSPResponse, never an
 * exception or a hang. In CI this runs the saved inputs only (regression mode, the seeds under
 * {@code AnswerFuzzTestInputs/}); to fuzz one target, coverage-guided, with our code and Bouncy
 * Castle's parsers instrumented:
 *
 * <pre>
 * JAZZER_FUZZ=1 JAZZER_INSTRUMENTATION_INCLUDES='org.ocspcluster.**:org.bouncycastle.asn1.**:org.bouncycastle.cert.ocsp.**' \
 *   mvn -pl responder test -Dtest='AnswerFuzzTest#everyRequestBodyGetsAWellFormedOcspResponse'
 * </pre>
 *
 * (each target runs for its {@code maxDuration}; the corpus grows in {@code
 * responder/.cifuzz-corpus}).
 */
class AnswerFuzzTest {
  static Path dir;
  static ExecutorService signing;
  static OcspService service;

  @BeforeAll
  static void serve() throws Exception {
    dir = Files.createTempDirectory("answer-fuzz");
    signing = Executors.newFixedThreadPool(2);
    service = new OcspService(List.of(new TestCa(dir, "fuzz").served), signing, Clock.systemUTC());
  }

  @AfterAll
  static void stop() throws java.io.IOException {
    if (signing != null) {
      signing.shutdownNow();
    }
    if (dir == null) {
      return;
    }
    // The test CA's files, its key among them, are not left in the temporary folder.
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @FuzzTest(maxDuration = "20s")
  void everyRequestBodyGetsAWellFormedOcspResponse(byte[] body) throws Exception {
    Answer answer = service.answer(body).get(10, TimeUnit.SECONDS);
    assertNotNull(new OCSPResp(answer.encoded()));
  }

  @FuzzTest(maxDuration = "20s")
  void everyGetPathIsDecodedOrRefusedAndThenAnswered(String path) throws Exception {
    byte[] der = GetRequestPathAccess.decode("/" + path);
    Answer answer =
        der == null ? OcspService.malformed() : service.answer(der).get(10, TimeUnit.SECONDS);
    assertNotNull(new OCSPResp(answer.encoded()));
  }
}
