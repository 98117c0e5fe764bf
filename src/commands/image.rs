//! `kafkactl image dockerfile`: write the build context of a custom Kafka
//! image (Dockerfile from `operator::kafka_image`, plus a local distribution)
//! and say how to build, push and use it.

use std::path::Path;

use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::cli::image::{DockerfileArgs, ImageCommand};
use crate::error::Failure;
use crate::operator::kafka_image::{self, CONTEXT_DIST, ImageRequest, KafkaDist};
use crate::ui;
use crate::ui::output::TextOutput;

pub fn run(global: &GlobalArgs, command: ImageCommand) -> anyhow::Result<()> {
    match command {
        ImageCommand::Dockerfile(args) => {
            let outcome = dockerfile(&args)?;
            ui::output::print_outcome(&outcome, global.output.output)
        }
    }
}

/// The build context kafkactl wrote.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DockerfileOutcome {
    pub context: String,
    pub dockerfile: String,
    pub base_image: String,
    pub image: String,
    pub build: String,
    pub push: String,
    pub create: String,
}

impl TextOutput for DockerfileOutcome {
    fn text(&self) -> String {
        format!(
            "wrote {} (FROM {})\n\nbuild and push:\n  {}\n  {}\n\nuse it:\n  {}\n",
            self.dockerfile, self.base_image, self.build, self.push, self.create
        )
    }
}

fn dockerfile(args: &DockerfileArgs) -> Result<DockerfileOutcome, Failure> {
    let is_url = args.kafka_dist.starts_with("http://") || args.kafka_dist.starts_with("https://");
    let request = ImageRequest {
        strimzi_version: args.strimzi.clone(),
        kafka_version: args.kafka_version.clone(),
        dist: if is_url {
            KafkaDist::Url(args.kafka_dist.clone())
        } else {
            KafkaDist::Local
        },
        registry: args.registry.clone(),
    };
    let text = kafka_image::dockerfile(&request).map_err(|e| {
        Failure::usage(e.to_string()).with_hint("pass --strimzi and --kafka-version of a release kafkactl knows")
    })?;
    if !is_url {
        check_tarball(Path::new(&args.kafka_dist))?;
    }
    let out = &args.out;
    std::fs::create_dir_all(out).map_err(|e| Failure::runtime(format!("cannot create {}: {e}", out.display())))?;
    if !is_url {
        std::fs::copy(&args.kafka_dist, out.join(CONTEXT_DIST))
            .map_err(|e| Failure::runtime(format!("cannot copy {} into {}: {e}", args.kafka_dist, out.display())))?;
    }
    let path = out.join("Dockerfile");
    std::fs::write(&path, &text).map_err(|e| Failure::runtime(format!("cannot write {}: {e}", path.display())))?;
    let image = kafka_image::target_image(&request);
    let base_image = kafka_image::base_image(&request).unwrap_or_default();
    Ok(DockerfileOutcome {
        context: out.display().to_string(),
        dockerfile: path.display().to_string(),
        build: format!("docker build -t {image} {}", out.display()),
        push: format!("docker push {image}"),
        create: format!(
            "kafkactl create NAME --kafka-version {} --kafka-image {image}",
            request.kafka_version
        ),
        base_image,
        image,
    })
}

/// A local distribution must be a file (a `.tgz` as Apache Kafka ships it).
fn check_tarball(path: &Path) -> Result<(), Failure> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(Failure::usage(format!("{} is not a file", path.display()))
            .with_hint("pass the distribution tarball (kafka_2.13-X.Y.Z.tgz), or pack the directory with tar -czf")),
        Err(e) => Err(
            Failure::usage(format!("cannot read the Kafka distribution {}: {e}", path.display()))
                .with_hint("pass a .tgz on disk or an http(s) URL"),
        ),
    }
}
