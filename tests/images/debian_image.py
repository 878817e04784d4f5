#!/usr/bin/env python3
"""Builds a container image of a Debian server from Debian's packages, offline from a registry.

The packages are the server's own and those of every shared library it loads (found on this
machine with ldd and dpkg -S); their .deb files come from apt's cache or `apt-get download` (the
Debian archive) into a cache directory, and are unpacked with `dpkg -x` (no maintainer scripts run).
Two layers: the packages, then the image's own files (passwd/group, an entrypoint script, the data
directory). Written as an OCI image layout (OUT/oci, gzip layers) and as a `docker save` archive
(OUT/image.tar, uncompressed layers with diff_ids), both with the same config.

Usage: debian_image.py OUT --name NAME --program /usr/bin/redis-server --package redis-server
          [--package P ...] [--port 6379] [--cmd ARG ...] [--user redis] [--cache DIR]
"""

import argparse
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys


def run(argv, **kw):
    return subprocess.run(argv, check=True, **kw)


def package_of(path):
    """The Debian package owning PATH (tries the usrmerge twins /lib <-> /usr/lib)."""
    real = os.path.realpath(path)
    candidates = [path, real]
    for p in list(candidates):
        if p.startswith("/usr/lib/"):
            candidates.append(p[4:])
        elif p.startswith("/lib/") or p.startswith("/lib64/"):
            candidates.append("/usr" + p)
        if p.startswith("/usr/bin/"):
            candidates.append(p[4:])
    for c in candidates:
        r = subprocess.run(["dpkg-query", "-S", c], capture_output=True, text=True)
        if r.returncode == 0:
            for line in r.stdout.splitlines():
                pkg = line.split(":")[0].strip()
                if pkg and "diversion" not in line:
                    return pkg
    raise SystemExit(f"debian_image.py: no installed package owns {path} (install it first)")


def libraries(program):
    r = subprocess.run(["ldd", program], capture_output=True, text=True)
    if r.returncode != 0:
        return []  # a static program ("not a dynamic executable")
    out = r.stdout
    libs = []
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts:
            target = parts[parts.index("=>") + 1]
            if target.startswith("/"):
                libs.append(target)
        elif parts and parts[0].startswith("/"):
            libs.append(parts[0])
    return libs


def fetch_debs(packages, cache, downloaded=False):
    """One .deb per package: from CACHE or apt's cache (any version, the installed one first), else
    `apt-get download` of the archive's candidate into CACHE."""
    os.makedirs(cache, exist_ok=True)
    debs = []
    missing = []
    for pkg in packages:
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True,
                                 text=True).stdout.strip()
        exact = f"{pkg}_{version.replace(':', '%3a')}_"
        found = None
        for d in (cache, "/var/cache/apt/archives"):
            if not os.path.isdir(d):
                continue
            names = sorted(f for f in os.listdir(d) if f.startswith(pkg + "_") and f.endswith(".deb"))
            pick = [f for f in names if f.startswith(exact)] or names[-1:]
            if pick:
                found = os.path.join(d, pick[0])
                break
        if found:
            debs.append(found)
        else:
            missing.append(pkg)
    if missing:
        if downloaded:
            raise SystemExit(f"debian_image.py: apt-get download did not bring {' '.join(missing)}")
        print(f"debian_image.py: apt-get download {' '.join(missing)}", file=sys.stderr)
        run(["apt-get", "download", "-q"] + missing, cwd=cache, stdout=subprocess.DEVNULL)
        return fetch_debs(packages, cache, True)
    return debs


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tar_dir(root):
    """A deterministic tar of ROOT (numeric root owners, sorted, mtime 0) as bytes."""
    r = subprocess.run(["tar", "--sort=name", "--numeric-owner", "--owner=0", "--group=0", "--mtime=@0",
                        "--format=gnu", "-C", root, "-cf", "-", "."], capture_output=True, check=True)
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--name", required=True)
    ap.add_argument("--program", required=True)
    ap.add_argument("--package", action="append", default=[])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cmd", nargs=argparse.REMAINDER, default=[])
    ap.add_argument("--user", default="")
    ap.add_argument("--cache", default=os.environ.get("SWB_DEB_CACHE", ""))
    ap.add_argument("--shell", default="dash",
                    help="/bin/sh of the image: dash (its package added) or busybox (a link to /bin/busybox)")
    a = ap.parse_args()
    if not a.cache:
        a.cache = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".cache", "debs")

    packages = set(a.package)
    packages.add(package_of(a.program))
    packages.add(package_of(os.path.realpath(a.program)))  # a symlink's target may be another package's
    for lib in libraries(a.program):
        packages.add(package_of(lib))
    if a.shell == "dash":
        packages.add("dash")  # /bin/sh for the entrypoint script
    packages = sorted(packages)
    debs = fetch_debs(packages, a.cache)

    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    os.makedirs(a.out)
    work = os.path.join(a.out, "work")
    base = os.path.join(work, "base")
    top = os.path.join(work, "top")
    os.makedirs(base)
    os.makedirs(top)
    for deb in debs:
        run(["dpkg-deb", "-x", deb, base])
    # What maintainer scripts would have made and the image needs.
    os.makedirs(os.path.join(base, "bin"), exist_ok=True)
    sh = os.path.join(base, "bin", "sh")
    if os.path.lexists(sh):
        os.remove(sh)
    if a.shell == "busybox":
        os.symlink("busybox", sh)
    else:
        os.symlink("../usr/bin/dash" if os.path.exists(os.path.join(base, "usr/bin/dash")) else "dash", sh)
    for d in ("tmp", "proc", "dev", "sys", "etc", "data", "usr/local/bin"):
        os.makedirs(os.path.join(top, d), exist_ok=True)
    os.chmod(os.path.join(top, "tmp"), 0o1777)
    os.chmod(os.path.join(top, "data"), 0o777)
    with open(os.path.join(top, "etc/passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nredis:x:999:999::/data:/usr/sbin/nologin\n"
                "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
    with open(os.path.join(top, "etc/group"), "w") as f:
        f.write("root:x:0:\nredis:x:999:\nnogroup:x:65534:\n")
    program_in_image = a.program
    entry = os.path.join(top, "usr/local/bin/docker-entrypoint.sh")
    with open(entry, "w") as f:
        f.write("#!/bin/sh\nset -e\n# as the official images do: arguments are the server's options\n"
                f"exec {program_in_image} \"$@\"\n")
    os.chmod(entry, 0o755)

    layers_tar = [tar_dir(base), tar_dir(top)]
    layers_gz = [gzip.compress(t, mtime=0) for t in layers_tar]
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Entrypoint": ["docker-entrypoint.sh"],
            "Cmd": a.cmd,
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "WorkingDir": "/data",
            "User": a.user,
            "Labels": {"org.opencontainers.image.title": a.name,
                       "org.opencontainers.image.description": "built from Debian packages: " + " ".join(packages)},
        },
        "rootfs": {"type": "layers", "diff_ids": [sha256(t) for t in layers_tar]},
        "history": [{"created_by": "dpkg-deb -x " + " ".join(packages)}, {"created_by": "image files"}],
    }
    if a.port:
        config["config"]["ExposedPorts"] = {f"{a.port}/tcp": {}}
    config_bytes = json.dumps(config, indent=2, sort_keys=True).encode()

    # OCI image layout.
    oci = os.path.join(a.out, "oci")
    blobs = os.path.join(oci, "blobs", "sha256")
    os.makedirs(blobs)

    def blob(data):
        d = sha256(data)
        with open(os.path.join(blobs, d.split(":")[1]), "wb") as f:
            f.write(data)
        return d

    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(config_bytes),
                   "size": len(config_bytes)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": blob(g), "size": len(g)}
                   for g in layers_gz],
    }
    manifest_bytes = json.dumps(manifest, indent=2).encode()
    index = {"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": blob(manifest_bytes),
        "size": len(manifest_bytes), "platform": {"architecture": "amd64", "os": "linux"},
        "annotations": {"org.opencontainers.image.ref.name": a.name.split(":")[-1]}}]}
    with open(os.path.join(oci, "index.json"), "w") as f:
        json.dump(index, f, indent=2)
    with open(os.path.join(oci, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion": "1.0.0"}\n')

    # docker-archive, as `docker save` writes it.
    archive = os.path.join(work, "archive")
    os.makedirs(archive)
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    with open(os.path.join(archive, config_name), "wb") as f:
        f.write(config_bytes)
    layer_names = []
    for t in layers_tar:
        d = hashlib.sha256(t).hexdigest()
        os.makedirs(os.path.join(archive, d))
        with open(os.path.join(archive, d, "layer.tar"), "wb") as f:
            f.write(t)
        layer_names.append(f"{d}/layer.tar")
    with open(os.path.join(archive, "manifest.json"), "w") as f:
        json.dump([{"Config": config_name, "RepoTags": [a.name], "Layers": layer_names}], f)
    run(["tar", "--sort=name", "--numeric-owner", "--owner=0", "--group=0", "--mtime=@0", "-C", archive, "-cf",
         os.path.join(a.out, "image.tar"), "."])
    shutil.rmtree(work)
    with open(os.path.join(a.out, "packages.txt"), "w") as f:
        f.write("\n".join(os.path.basename(d) for d in debs) + "\n")
    print(f"debian_image.py: {a.name}: {len(packages)} packages, layers "
          f"{', '.join(str(len(g)) for g in layers_gz)} bytes (gzip) -> {oci}, {a.out}/image.tar")


if __name__ == "__main__":
    main()
