package org.ocspcluster.responder.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ocspcluster.responder.ocsp.OcspService;
import org.ocspcluster.responder.ocsp.TestCa;

class ListenErrorsTest {
  @TempDir Path dir;

  @Test
  void aPortInUseIsSaidInWordsWithThePartTheAddressAndTheFix() throws Exception {
    ExecutorService signing = Executors.newSingleThreadExecutor();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      InetSocketAddress at = new InetSocketAddress("127.0.0.1", taken.getLocalPort());
      OcspService service =
          new OcspService(List.of(new TestCa(dir, "demo").served), signing, Clock.systemUTC());
      // Netty throws the system's error unchecked (a NativeIoException, an IOException).
      Exception raw =
          assertThrows(
              Exception.class, () -> OcspHttpServer.start(at, service, RequestMetrics.NONE, 1));
      assertEquals(
          "member m1 cannot listen on 127.0.0.1:"
              + at.getPort()
              + ": the port is already in use by another process (`ss -ltnup 'sport = :"
              + at.getPort()
              + "'` shows which); stop it or change members[].address",
          ListenErrors.describe("member m1", at, raw, "members[].address"));
    } finally {
      signing.shutdownNow();
    }
  }

  @Test
  void anAddressNotOnThisMachineOrAPrivilegedPortIsSaidSo() {
    InetSocketAddress at = new InetSocketAddress("192.0.2.7", 80);
    assertTrue(
        ListenErrors.describe(
                "x",
                at,
                new java.net.BindException("Cannot assign requested address"),
                "cluster.ip")
            .contains("192.0.2.7 is not an address of this machine"));
    assertTrue(
        ListenErrors.describe(
                "x", at, new java.net.BindException("Permission denied"), "cluster.ip")
            .contains("CAP_NET_BIND_SERVICE"));
  }
}
