package org.ocspcluster.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks of a configuration that read the file system: every file it names exists and is
 * readable, secrets are owner-only, the admin token is a token. Apart from the model's validation
 * because they are only true where the files are used: a controller on one machine cannot judge a
 * member's files on another. A member checks its files, a balancer its own, before anything
 * switches.
 */
public final class FileChecks {
  private final List<ConfigException.Problem> problems = new ArrayList<>();

  private FileChecks() {}

  /**
   * A secret file named outside the configuration (e.g. on the command line as {@code field}):
   * readable, and by its owner only; the problems, with the chmod that fixes them.
   */
  public static List<ConfigException.Problem> secretFile(String field, Path path) {
    FileChecks checks = new FileChecks();
    checks.secret(field, path);
    return List.copyOf(checks.problems);
  }

  /** Every file the configuration names: for a process that runs every part (and check-config). */
  public static List<ConfigException.Problem> all(ClusterConfig config) {
    Set<ConfigException.Problem> all = new LinkedHashSet<>();
    for (Member m : listOf(config.members())) {
      if (m != null && m.name() != null) {
        all.addAll(forMember(config, m.name()));
      }
    }
    all.addAll(forBalancer(config));
    return List.copyOf(all);
  }

  /**
   * The files member {@code name} reads: its revocation configurations (with its own signers), its
   * TLS.
   */
  public static List<ConfigException.Problem> forMember(ClusterConfig config, String name) {
    FileChecks checks = new FileChecks();
    List<Member> members = listOf(config.members());
    Map<String, SignerFiles> own = Map.of();
    for (int i = 0; i < members.size(); i++) {
      Member m = members.get(i);
      if (m != null && name.equals(m.name())) {
        own = m.signers();
        checks.memberSigners("members[" + i + "]", m);
      }
    }
    List<RevocationConfiguration> configurations = listOf(config.revocationConfigurations());
    for (int i = 0; i < configurations.size(); i++) {
      RevocationConfiguration rc = configurations.get(i);
      if (rc == null) {
        continue;
      }
      String at = "revocationConfigurations[" + i + "]";
      checks.readable(at + ".caCertificate", rc.caCertificate());
      if (rc.name() == null || !own.containsKey(rc.name())) {
        checks.signer(at, rc);
      }
      checks.source(at, rc);
    }
    TlsFiles tls = config.responder().tls();
    if (tls != null) {
      checks.readable("responder.tls.certificate", tls.certificate());
      checks.secret("responder.tls.key", tls.key());
    }
    return List.copyOf(checks.problems);
  }

  /**
   * The files the balancer reads: each configuration's CA certificate and probe certificate, the
   * trust for TLS members, the admin listener's token and TLS.
   */
  public static List<ConfigException.Problem> forBalancer(ClusterConfig config) {
    FileChecks checks = new FileChecks();
    List<RevocationConfiguration> configurations = listOf(config.revocationConfigurations());
    for (int i = 0; i < configurations.size(); i++) {
      RevocationConfiguration rc = configurations.get(i);
      if (rc == null) {
        continue;
      }
      String at = "revocationConfigurations[" + i + "]";
      checks.readable(at + ".caCertificate", rc.caCertificate());
      if (rc.probe() != null && rc.probe().certificate() != null) {
        checks.readable(at + ".probe.certificate", rc.probe().certificate());
      }
    }
    TlsFiles responderTls = config.responder().tls();
    if (responderTls != null && responderTls.trust() != null) {
      checks.readable("responder.tls.trust", responderTls.trust());
    }
    checks.admin(config.admin());
    return List.copyOf(checks.problems);
  }

  /** Throws, naming {@code file}, when {@code problems} is not empty. */
  public static void refuseIfAny(Path file, List<ConfigException.Problem> problems)
      throws ConfigException {
    if (!problems.isEmpty()) {
      throw new ConfigException(file, problems);
    }
  }

  private static <T> List<T> listOf(List<T> list) {
    return list == null ? List.of() : list;
  }

  private void signer(String at, RevocationConfiguration rc) {
    if (rc.signingToken() != null) {
      readable(at + ".signingToken.library", rc.signingToken().library());
      secret(at + ".signingToken.pinFile", rc.signingToken().pinFile());
      readable(at + ".signingCertificate", rc.signingCertificate());
    } else if (rc.signingKeystore() != null) {
      secret(at + ".signingKeystore", rc.signingKeystore());
      if (rc.signingKeystorePasswordFile() != null) {
        secret(at + ".signingKeystorePasswordFile", rc.signingKeystorePasswordFile());
      }
    } else if (rc.signingCertificate() != null || rc.signingKey() != null) {
      readable(at + ".signingCertificate", rc.signingCertificate());
      secret(at + ".signingKey", rc.signingKey());
    }
  }

  private void source(String at, RevocationConfiguration rc) {
    if (rc.opensslIndex() != null) {
      readable(at + ".opensslIndex", rc.opensslIndex());
      return;
    }
    if (rc.crl() != null && rc.crl().isFile()) {
      readable(at + ".crl", rc.crl().file());
    }
    if (rc.deltaCrl() != null && rc.deltaCrl().isFile()) {
      readable(at + ".deltaCrl", rc.deltaCrl().file());
    }
  }

  private void memberSigners(String at, Member m) {
    m.signers()
        .forEach(
            (configuration, files) -> {
              if (files == null) {
                return;
              }
              String field = at + ".signers." + configuration;
              if (files.token() != null) {
                readable(field + ".token.library", files.token().library());
                secret(field + ".token.pinFile", files.token().pinFile());
                readable(field + ".certificate", files.certificate());
              } else if (files.keystore() != null) {
                secret(field + ".keystore", files.keystore());
              } else {
                readable(field + ".certificate", files.certificate());
                secret(field + ".key", files.key());
              }
              if (files.passwordFile() != null) {
                secret(field + ".passwordFile", files.passwordFile());
              }
            });
  }

  private void admin(Admin admin) {
    if (admin.tokenFile() != null && secret("admin.tokenFile", admin.tokenFile())) {
      try {
        String token = Files.readString(admin.tokenFile()).strip();
        if (token.length() < Validator.MIN_TOKEN_LENGTH
            || token.chars().anyMatch(Character::isWhitespace)) {
          problem(
              "admin.tokenFile",
              admin.tokenFile()
                  + " must hold one token of at least "
                  + Validator.MIN_TOKEN_LENGTH
                  + " characters without spaces (e.g. openssl rand -hex 32 > "
                  + admin.tokenFile()
                  + ")");
        }
      } catch (IOException | RuntimeException e) {
        problem("admin.tokenFile", admin.tokenFile() + " cannot be read: " + e.getMessage());
      }
    }
    TlsFiles tls = admin.tls();
    if (tls != null) {
      readable("admin.tls.certificate", tls.certificate());
      secret("admin.tls.key", tls.key());
      if (tls.trust() != null) {
        readable("admin.tls.trust", tls.trust());
      }
    }
  }

  private void problem(String field, String reason) {
    problems.add(new ConfigException.Problem(field, reason));
  }

  /**
   * A file holding a secret (a private key, a password, a token): readable, and by its owner only.
   * Returns true when it passed.
   */
  private boolean secret(String field, Path path) {
    int before = problems.size();
    readable(field, path);
    if (path == null || problems.size() > before) {
      return false;
    }
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
      Set<PosixFilePermission> wider = EnumSet.copyOf(permissions);
      wider.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
      if (!wider.isEmpty()) {
        problem(
            field,
            path
                + " has permissions "
                + PosixFilePermissions.toString(permissions)
                + ", wider than 0600: others on this machine could read it; run chmod 600 "
                + path);
        return false;
      }
    } catch (UnsupportedOperationException notPosix) {
      // No POSIX permissions on this file system (e.g. Windows): nothing to check here.
    } catch (IOException | IllegalArgumentException e) {
      problem(field, path + ": cannot read its permissions: " + e.getMessage());
      return false;
    }
    return true;
  }

  /** A path the model requires is checked there; a null one was refused by the model already. */
  private void readable(String field, Path path) {
    if (path == null) {
      return;
    }
    if (!Files.isRegularFile(path)) {
      problem(
          field,
          path
              + " does not exist or is not a file (relative paths are read from the config file's folder)");
    } else if (!Files.isReadable(path)) {
      problem(field, path + " is not readable by this user");
    }
  }
}
