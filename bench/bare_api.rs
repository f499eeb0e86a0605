//! The floor for start-up to the first API answer (`bench/memory.sh`): a program that binds a
//! free loopback port, writes a discovery file of the same shape as agentbar's `endpoint.json`
//! (`{"url", "token"}`) to the path it is given, and answers every request on one thread with a
//! fixed, empty task list. No async runtime, no data, no state to read.
//! `cargo run --example bare-api -- ENDPOINT_FILE`; SIGTERM ends it.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

const BODY: &str = r#"{"schema_version":1,"counts":{"total":0},"tasks":[]}"#;

fn main() {
    let Some(endpoint_file) = std::env::args().nth(1) else {
        eprintln!("usage: bare-api ENDPOINT_FILE");
        std::process::exit(2);
    };
    if let Err(e) = serve(&endpoint_file) {
        eprintln!("bare-api: {e}");
        std::process::exit(1);
    }
}

fn serve(endpoint_file: &str) -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let temporary = format!("{endpoint_file}.tmp");
    std::fs::write(
        &temporary,
        format!(
            r#"{{"url":"{url}","token":"bare","pid":{}}}"#,
            std::process::id()
        ),
    )?;
    std::fs::rename(&temporary, endpoint_file)?;
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        // Read the request head (up to the blank line); the body, if any, is ignored.
        let mut reader = BufReader::new(&stream);
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
            line.clear();
        }
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n{BODY}",
            BODY.len()
        );
        let _ = stream.write_all(response.as_bytes());
    }
    Ok(())
}
