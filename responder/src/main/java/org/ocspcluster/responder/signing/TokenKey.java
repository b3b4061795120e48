package org.ocspcluster.responder.signing;

import java.io.IOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.ProviderException;
import java.security.Security;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.cert.X509CertificateHolder;
import org.ocspcluster.config.SigningToken;

/**
 * Opens a signing key in a PKCS#11 token through the JDK's SunPKCS11 provider, one provider per
 * token: the key is a handle, it never leaves the token, and signatures are made inside it.
 */
final class TokenKey {
  /** Tokens searched when neither a slot nor a slot list index is given. */
  private static final int MAX_SLOTS = 16;

  private static final AtomicInteger PROVIDERS = new AtomicInteger();

  /**
   * One provider per module and slot for the life of the process: a provider holds native sessions
   * and cannot be closed, so trying a token again reuses it (SunPKCS11 notices a token put back).
   */
  private static final java.util.Map<String, Provider> OPENED =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * PINs a token refused, by module and slot (as digests): never offered to that token again, by
   * any member of this process, until the PIN file holds another one. A hardware token locks its
   * user PIN after a few wrong ones.
   */
  private static final java.util.Map<String, String> REFUSED =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Bounds on the signatures each token makes at once ({@code sessions}), by module and slot:
   * shared by every member of the process that signs in that token. The first bound given for a
   * token holds until the process restarts.
   */
  private static final java.util.Map<String, java.util.concurrent.Semaphore> SESSIONS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The token's provider, the key's handle, the token's certificate under its label, and the bound
   * on signatures at once (null: none but the signing threads).
   */
  record Opened(
      Provider provider,
      PrivateKey key,
      X509CertificateHolder certificate,
      java.util.concurrent.Semaphore sessions) {}

  private TokenKey() {}

  static Opened open(SigningToken token) throws SignerException {
    char[] pin = pin(token);
    try {
      if (token.slot() != null || token.slotListIndex() != null) {
        String slot =
            token.slot() != null
                ? "slot = " + token.slot()
                : "slotListIndex = " + token.slotListIndex();
        Opened opened;
        try {
          opened = openIn(token, slot, pin, true);
        } catch (NoSuchSlot never) {
          throw new SignerException("no token in " + slot.replace(" = ", " "));
        }
        if (opened == null) {
          throw new SignerException(
              "the token in "
                  + slot.replace(" = ", " ")
                  + " holds no key labelled \""
                  + token.keyLabel()
                  + "\" with its certificate (pkcs11-tool --list-objects shows what it holds)");
        }
        return opened;
      }
      List<String> tried = new ArrayList<>();
      List<String> refused = new ArrayList<>();
      for (int i = 0; i < MAX_SLOTS; i++) {
        Opened opened;
        try {
          opened = openIn(token, "slotListIndex = " + i, pin, false);
        } catch (NoSuchSlot end) {
          break;
        } catch (PinRefused no) {
          refused.add(Integer.toString(i));
          continue;
        }
        if (opened != null) {
          return opened;
        }
        tried.add(Integer.toString(i));
      }
      if (!refused.isEmpty()) {
        throw new PinRefused(
            "the tokens at slot list indexes "
                + String.join(", ", refused)
                + " refused the PIN in "
                + token.pinFile()
                + " and no other holds the key; give the slot (a wrong PIN is not tried again)");
      }
      throw new SignerException(
          "no token of "
              + token.library()
              + " holds a key labelled \""
              + token.keyLabel()
              + "\" with its certificate that the PIN in "
              + token.pinFile()
              + " opens (tokens tried: "
              + (tried.isEmpty() ? "none found" : String.join(", ", tried))
              + ")");
    } finally {
      Arrays.fill(pin, '\0');
    }
  }

  private static final class NoSuchSlot extends Exception {
    NoSuchSlot(Throwable cause) {
      super(cause);
    }
  }

  /** The key in the token at {@code slot}, or null when that token has no such key. */
  private static Opened openIn(SigningToken token, String slot, char[] pin, boolean named)
      throws SignerException, NoSuchSlot {
    Provider provider = provider(token, slot, named);
    String where = token.library() + "|" + slot;
    String offered = digest(pin);
    if (offered.equals(REFUSED.get(where))) {
      throw new PinRefused(
          "the token ("
              + slot
              + ") refused the PIN in "
              + token.pinFile()
              + " before; waiting for another PIN in the file");
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS11", provider);
      store.load(null, pin);
      finishTakeOver(store, token.keyLabel());
      Key key = store.getKey(token.keyLabel(), null);
      if (!(key instanceof PrivateKey privateKey)) {
        return null;
      }
      Certificate certificate = store.getCertificate(token.keyLabel());
      return new Opened(
          provider,
          privateKey,
          certificate == null ? null : new X509CertificateHolder(certificate.getEncoded()),
          sessions(where, token));
    } catch (IOException e) {
      String why = rootMessage(e);
      if (why.contains("PIN") || why.contains("login") || why.contains("Login")) {
        REFUSED.put(where, offered);
        throw new PinRefused("the token refused the PIN in " + token.pinFile() + " (" + why + ")");
      }
      if (!named) {
        return null; // an empty slot, or a token this one cannot read: the search goes on
      }
      throw new SignerException("cannot read the token (" + slot + "): " + why);
    } catch (GeneralSecurityException | ProviderException e) {
      if (!named) {
        return null;
      }
      throw new SignerException("cannot read the token (" + slot + "): " + rootMessage(e));
    }
  }

  /**
   * The provider of the token at {@code slot} of the module, configured once per process. Keys it
   * generates are token objects, sensitive and never extractable; their public halves are session
   * objects (the certificate carries the public key).
   */
  private static Provider provider(SigningToken token, String slot, boolean named)
      throws SignerException, NoSuchSlot {
    try {
      Provider base = Security.getProvider("SunPKCS11");
      if (base == null) {
        throw new SignerException(
            "this Java has no SunPKCS11 provider (module jdk.crypto.cryptoki)");
      }
      String key = token.library() + "|" + slot;
      Provider provider = OPENED.get(key);
      if (provider == null) {
        provider =
            base.configure(
                "--name = ocsp-cluster-"
                    + PROVIDERS.incrementAndGet()
                    + "\nlibrary = "
                    + token.library()
                    + "\n"
                    + slot
                    + "\nattributes(generate, CKO_PRIVATE_KEY, *) = {\n"
                    + "  CKA_TOKEN = true\n  CKA_PRIVATE = true\n  CKA_SENSITIVE = true\n"
                    + "  CKA_EXTRACTABLE = false\n}\n"
                    + "attributes(generate, CKO_PUBLIC_KEY, *) = {\n  CKA_TOKEN = false\n}\n");
        Provider raced = OPENED.putIfAbsent(key, provider);
        provider = raced == null ? provider : raced;
      }
      return provider;
    } catch (ProviderException | IllegalArgumentException e) {
      if (!named && String.valueOf(rootMessage(e)).contains("slot")) {
        throw new NoSuchSlot(e);
      }
      throw new SignerException(
          "cannot open the PKCS#11 module "
              + token.library()
              + " ("
              + slot
              + "): "
              + rootMessage(e));
    }
  }

  /** The token's bound on signatures at once, or null when its configuration gives none. */
  private static java.util.concurrent.Semaphore sessions(String where, SigningToken token) {
    return token.sessions() == null
        ? null
        : SESSIONS.computeIfAbsent(
            where, k -> new java.util.concurrent.Semaphore(token.sessions()));
  }

  /**
   * A key pair made inside a token: its provider, the private key's handle, the public key, and the
   * token's bound on signatures at once.
   */
  record Generated(
      Provider provider,
      PrivateKey key,
      java.security.PublicKey publicKey,
      java.util.concurrent.Semaphore sessions) {}

  /**
   * Makes a key pair inside the token ({@code ec}: P-256, {@code rsa}: 3072 bits): the token named
   * by its slot, else the one holding {@code token.keyLabel()}. The private key is a token object
   * without a label until {@link #install} gives it one; it never leaves the token.
   */
  static Generated generate(SigningToken token, String keyType) throws SignerException {
    Provider provider;
    java.util.concurrent.Semaphore sessions;
    if (token.slot() != null || token.slotListIndex() != null) {
      String slot =
          token.slot() != null
              ? "slot = " + token.slot()
              : "slotListIndex = " + token.slotListIndex();
      try {
        provider = provider(token, slot, true);
      } catch (NoSuchSlot never) {
        throw new SignerException("no token in " + slot.replace(" = ", " "));
      }
      store(provider, token);
      sessions = sessions(token.library() + "|" + slot, token);
    } else {
      Opened opened = open(token);
      provider = opened.provider();
      sessions = opened.sessions();
    }
    try {
      java.security.KeyPairGenerator generator;
      if ("rsa".equalsIgnoreCase(keyType)) {
        generator = java.security.KeyPairGenerator.getInstance("RSA", provider);
        generator.initialize(3072);
      } else if ("ec".equalsIgnoreCase(keyType)) {
        generator = java.security.KeyPairGenerator.getInstance("EC", provider);
        generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
      } else {
        throw new SignerException("key type must be ec or rsa, not " + keyType);
      }
      java.security.KeyPair pair = generator.generateKeyPair();
      return new Generated(provider, pair.getPrivate(), pair.getPublic(), sessions);
    } catch (GeneralSecurityException | ProviderException e) {
      throw new SignerException("the token cannot make a key pair: " + rootMessage(e));
    }
  }

  /**
   * Gives a generated key the label {@code alias} in its token, with {@code certificate} beside it
   * (same label and CKA_ID): SunPKCS11 sees a key only with its certificate. A key and certificate
   * that had that label are destroyed (the key must no longer be in force anywhere).
   */
  static void install(
      Generated generated, SigningToken token, String alias, X509CertificateHolder certificate)
      throws SignerException {
    try {
      KeyStore store = store(generated.provider(), token);
      java.security.cert.X509Certificate x509 =
          new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter()
              .getCertificate(certificate);
      store.setKeyEntry(alias, generated.key(), null, new Certificate[] {x509});
    } catch (GeneralSecurityException | ProviderException e) {
      throw new SignerException(
          "cannot label the new key \"" + alias + "\" in the token: " + rootMessage(e));
    }
  }

  /** Destroys a generated key that never became a signer (labelled, then deleted). */
  static void discard(Generated generated, SigningToken token, X509CertificateHolder placeholder)
      throws SignerException {
    String alias = "ocsp-cluster-discarded-" + System.nanoTime();
    install(generated, token, alias, placeholder);
    delete(generated, token, alias);
  }

  /** Destroys the key and certificate labelled {@code alias} in the generated key's token. */
  static void delete(Generated generated, SigningToken token, String alias) throws SignerException {
    delete(generated.provider(), token, alias);
  }

  /** Whether the token of {@code provider} holds a key or certificate labelled {@code alias}. */
  static boolean contains(Provider provider, SigningToken token, String alias)
      throws SignerException {
    try {
      return store(provider, token).containsAlias(alias);
    } catch (GeneralSecurityException | ProviderException e) {
      throw new SignerException("cannot read the token: " + rootMessage(e));
    }
  }

  static void delete(Provider provider, SigningToken token, String alias) throws SignerException {
    try {
      store(provider, token).deleteEntry(alias);
    } catch (GeneralSecurityException | ProviderException e) {
      throw new SignerException(
          "cannot destroy the key \"" + alias + "\" in the token: " + rootMessage(e));
    }
  }

  /** The token's key store, logged in with the PIN of its file. */
  private static KeyStore store(Provider provider, SigningToken token) throws SignerException {
    char[] pin = pin(token);
    try {
      KeyStore store = KeyStore.getInstance("PKCS11", provider);
      store.load(null, pin);
      return store;
    } catch (IOException | GeneralSecurityException | ProviderException e) {
      throw new SignerException("cannot open the token: " + rootMessage(e));
    } finally {
      Arrays.fill(pin, '\0');
    }
  }

  /** The label a renewed key has in its token until it takes over its signer's label. */
  static String renewing(String label) {
    return label + ".renewing";
  }

  /**
   * A renewal stopped after the old key under {@code label} was destroyed but before the new one
   * (under {@link #renewing}) took the label over: completes it, so the new key is found.
   */
  private static void finishTakeOver(KeyStore store, String label) throws GeneralSecurityException {
    String renewing = renewing(label);
    if (store.containsAlias(label) || !store.isKeyEntry(renewing)) {
      return;
    }
    store.setKeyEntry(
        label, store.getKey(renewing, null), null, store.getCertificateChain(renewing));
    org.slf4j.LoggerFactory.getLogger(TokenKey.class)
        .warn(
            "token key \"{}\": a renewal stopped before the new key took the label over; it has now",
            label);
  }

  private static String digest(char[] pin) {
    try {
      byte[] bytes = new String(pin).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static char[] pin(SigningToken token) throws SignerException {
    try {
      return Files.readString(token.pinFile()).strip().toCharArray();
    } catch (IOException e) {
      throw new SignerException("cannot read the token PIN file " + token.pinFile() + ": " + e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
