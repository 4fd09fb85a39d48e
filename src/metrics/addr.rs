//! Where `--metrics ADDR` may listen: `HOST:PORT`, loopback only unless the user says
//! otherwise with `--metrics-public`.
//!
//! Owns the parsing and the loopback rule, and the messages that name the address and the
//! flag. The endpoint has no authentication and tells anyone who can reach it what the run
//! costs and how it goes, so another host must never see it by accident. Must not bind.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AddrError {
    #[error(
        "--metrics {0}: not HOST:PORT (e.g. 127.0.0.1:9477, or 127.0.0.1:0 for any free port)"
    )]
    Shape(String),
    #[error("--metrics {0}: no address found for this host name")]
    Unresolved(String),
    #[error(
        "--metrics {given}: {ip} is not a loopback address, and the metrics endpoint has no \
         authentication; use 127.0.0.1:PORT, or add --metrics-public to serve it on {given} anyway"
    )]
    NotLoopback { given: String, ip: IpAddr },
}

/// Loopback in the sense that only this machine reaches it (an IPv4-mapped 127.x counts).
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|m| m.is_loopback()),
    }
}

/// The address to listen on for `given` (`127.0.0.1:9477`, `[::1]:0`, `localhost:9477`).
/// A host name must resolve to loopback addresses only, unless `public`.
pub fn resolve(given: &str, public: bool) -> Result<SocketAddr, AddrError> {
    let given = given.trim();
    let shape = || AddrError::Shape(given.to_string());
    let candidates: Vec<SocketAddr> = match given.parse::<SocketAddr>() {
        Ok(a) => vec![a],
        Err(_) => {
            let (host, port) = given.rsplit_once(':').ok_or_else(shape)?;
            // A bare IPv6 address (`::1:9000`) or an empty host is ambiguous: refuse it
            // rather than guess which colon starts the port.
            if host.is_empty() || host.contains(':') || port.parse::<u16>().is_err() {
                return Err(shape());
            }
            given
                .to_socket_addrs()
                .map_err(|_| AddrError::Unresolved(given.to_string()))?
                .collect()
        }
    };
    let first = *candidates
        .first()
        .ok_or_else(|| AddrError::Unresolved(given.to_string()))?;
    if !public {
        if let Some(outside) = candidates.iter().find(|a| !is_loopback(a.ip())) {
            return Err(AddrError::NotLoopback {
                given: given.to_string(),
                ip: outside.ip(),
            });
        }
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_addresses_are_taken_as_given() {
        assert_eq!(
            resolve("127.0.0.1:0", false).unwrap(),
            "127.0.0.1:0".parse().unwrap()
        );
        assert_eq!(
            resolve("127.8.9.10:9477", false).unwrap(),
            "127.8.9.10:9477".parse().unwrap()
        );
        assert_eq!(
            resolve("[::1]:9477", false).unwrap(),
            "[::1]:9477".parse().unwrap()
        );
        assert_eq!(resolve(" [::ffff:127.0.0.1]:1 ", false).unwrap().port(), 1);
    }

    #[test]
    fn localhost_resolves_to_loopback() {
        let a = resolve("localhost:9477", false).unwrap();
        assert!(is_loopback(a.ip()), "{a}");
        assert_eq!(a.port(), 9477);
    }

    #[test]
    fn other_addresses_need_the_public_flag_and_the_message_names_both() {
        for given in [
            "0.0.0.0:9477",
            "192.0.2.7:80",
            "[::]:9477",
            "[2001:db8::1]:1",
        ] {
            let err = resolve(given, false).unwrap_err();
            let text = err.to_string();
            assert!(matches!(err, AddrError::NotLoopback { .. }), "{given}");
            assert!(
                text.contains(given) && text.contains("--metrics-public"),
                "{text}"
            );
            assert_eq!(
                resolve(given, true).unwrap(),
                given.parse::<SocketAddr>().unwrap()
            );
        }
    }

    #[test]
    fn malformed_addresses_say_what_is_expected() {
        for given in [
            "",
            "9477",
            "127.0.0.1",
            "127.0.0.1:",
            "127.0.0.1:99999",
            ":9477",
            "::1:9477",
            "localhost:port",
        ] {
            let err = resolve(given, false).unwrap_err();
            assert_eq!(err, AddrError::Shape(given.to_string()), "{given}");
            assert!(err.to_string().contains("HOST:PORT"));
        }
    }
}
