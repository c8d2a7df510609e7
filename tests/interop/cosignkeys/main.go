// cosignkeys: cosign's key and signature handling, in Go, for sc's interop tests.
//
// An independent second implementation of the cosign key-pair format and of
// cosign's key-based signature check, built on the primitives cosign itself uses:
// golang.org/x/crypto's scrypt and nacl/secretbox, and Go's crypto/x509 and
// crypto/ecdsa. The encrypted-key envelope follows go-securesystemslib's
// `encrypted` package (the one cosign calls): JSON {kdf, cipher, ciphertext} with
// []byte fields as standard base64, scrypt N/r/p limited to three sets, a 32-byte
// secretbox key, a 24-byte nonce. Built in GOPATH mode against Debian's
// golang-golang-x-crypto-dev (no module download).
//
//	cosignkeys generate PREFIX        writes PREFIX.key / PREFIX.pub as cosign generate-key-pair
//	cosignkeys public KEY             decrypts KEY as cosign LoadPrivateKey does, prints its public key PEM
//	cosignkeys sign KEY PAYLOAD       prints the base64 ASN.1 ECDSA-SHA256 signature of PAYLOAD
//	cosignkeys verify PUB PAYLOAD SIG exit 0 when SIG (base64) verifies over PAYLOAD with PUB
//
// The password is COSIGN_PASSWORD (may be empty).
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

type scryptParams struct {
	N int `json:"N"`
	R int `json:"r"`
	P int `json:"p"`
}

type envelope struct {
	KDF struct {
		Name   string       `json:"name"`
		Params scryptParams `json:"params"`
		Salt   []byte       `json:"salt"`
	} `json:"kdf"`
	Cipher struct {
		Name  string `json:"name"`
		Nonce []byte `json:"nonce"`
	} `json:"cipher"`
	Ciphertext []byte `json:"ciphertext"`
}

func deriveKey(pw, salt []byte, p scryptParams) (*[32]byte, error) {
	k, err := scrypt.Key(pw, salt, p.N, p.R, p.P, 32)
	if err != nil {
		return nil, err
	}
	var key [32]byte
	copy(key[:], k)
	return &key, nil
}

func seal(plain, pw []byte) ([]byte, error) {
	var e envelope
	e.KDF.Name = "scrypt"
	e.KDF.Params = scryptParams{N: 65536, R: 8, P: 1}
	e.KDF.Salt = make([]byte, 32)
	e.Cipher.Name = "nacl/secretbox"
	e.Cipher.Nonce = make([]byte, 24)
	if _, err := rand.Read(e.KDF.Salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(e.Cipher.Nonce); err != nil {
		return nil, err
	}
	key, err := deriveKey(pw, e.KDF.Salt, e.KDF.Params)
	if err != nil {
		return nil, err
	}
	var nonce [24]byte
	copy(nonce[:], e.Cipher.Nonce)
	e.Ciphertext = secretbox.Seal(nil, plain, &nonce, key)
	return json.Marshal(&e)
}

func open(doc, pw []byte) ([]byte, error) {
	var e envelope
	if err := json.Unmarshal(doc, &e); err != nil {
		return nil, err
	}
	if e.KDF.Name != "scrypt" || e.Cipher.Name != "nacl/secretbox" {
		return nil, errors.New("unknown kdf or cipher")
	}
	switch e.KDF.Params {
	case scryptParams{32768, 8, 1}, scryptParams{65536, 8, 1}, scryptParams{131072, 8, 1}:
	default:
		return nil, errors.New("unsupported scrypt parameters")
	}
	if len(e.Cipher.Nonce) != 24 {
		return nil, errors.New("incorrect nonce size")
	}
	key, err := deriveKey(pw, e.KDF.Salt, e.KDF.Params)
	if err != nil {
		return nil, err
	}
	var nonce [24]byte
	copy(nonce[:], e.Cipher.Nonce)
	out, ok := secretbox.Open(nil, e.Ciphertext, &nonce, key)
	if !ok {
		return nil, errors.New("decryption failed")
	}
	return out, nil
}

func loadPrivate(path string) (*ecdsa.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, errors.New("invalid pem block")
	}
	if block.Type != "ENCRYPTED SIGSTORE PRIVATE KEY" && block.Type != "ENCRYPTED COSIGN PRIVATE KEY" {
		return nil, fmt.Errorf("unsupported pem type: %s", block.Type)
	}
	der, err := open(block.Bytes, []byte(os.Getenv("COSIGN_PASSWORD")))
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parsing private key: %w", err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("not an ECDSA P-256 key")
	}
	return ec, nil
}

func publicPEM(pub *ecdsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

func run(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: cosignkeys generate|public|sign|verify ...")
	}
	switch args[0] {
	case "generate":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return err
		}
		doc, err := seal(der, []byte(os.Getenv("COSIGN_PASSWORD")))
		if err != nil {
			return err
		}
		priv := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED SIGSTORE PRIVATE KEY", Bytes: doc})
		pub, err := publicPEM(&k.PublicKey)
		if err != nil {
			return err
		}
		if err := os.WriteFile(args[1]+".key", priv, 0o600); err != nil {
			return err
		}
		return os.WriteFile(args[1]+".pub", pub, 0o644)
	case "public":
		k, err := loadPrivate(args[1])
		if err != nil {
			return err
		}
		pub, err := publicPEM(&k.PublicKey)
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(pub)
		return err
	case "sign":
		if len(args) != 3 {
			return errors.New("usage: cosignkeys sign KEY PAYLOAD")
		}
		k, err := loadPrivate(args[1])
		if err != nil {
			return err
		}
		payload, err := os.ReadFile(args[2])
		if err != nil {
			return err
		}
		h := sha256.Sum256(payload)
		sig, err := ecdsa.SignASN1(rand.Reader, k, h[:])
		if err != nil {
			return err
		}
		fmt.Println(base64.StdEncoding.EncodeToString(sig))
		return nil
	case "verify":
		if len(args) != 4 {
			return errors.New("usage: cosignkeys verify PUB PAYLOAD SIG")
		}
		raw, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		block, _ := pem.Decode(raw)
		if block == nil || block.Type != "PUBLIC KEY" {
			return errors.New("not a PUBLIC KEY pem")
		}
		pk, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return err
		}
		ec, ok := pk.(*ecdsa.PublicKey)
		if !ok {
			return errors.New("not an ECDSA public key")
		}
		payload, err := os.ReadFile(args[2])
		if err != nil {
			return err
		}
		sig, err := base64.StdEncoding.DecodeString(args[3])
		if err != nil {
			return err
		}
		h := sha256.Sum256(payload)
		if !ecdsa.VerifyASN1(ec, h[:], sig) {
			return errors.New("signature does not verify")
		}
		return nil
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "cosignkeys:", err)
		os.Exit(1)
	}
}
