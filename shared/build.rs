//! Compiles the .proto files with protox (pure Rust), so a fresh machine
//! needs no system `protoc`. The encoded descriptor set is also written to
//! OUT_DIR for gRPC server reflection.

use std::path::PathBuf;

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "proto/mq/v1/broker.proto",
        "proto/mq/v1/admin.proto",
        "proto/mq/v1/raft.proto",
    ];
    for proto in protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(protos, ["proto"])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("mq_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    tonic_build::configure()
        .build_server(true)
        .build_client(true)
        .bytes(["."])
        .compile_fds(descriptors)?;
    Ok(())
}
