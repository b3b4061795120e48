# Shared by packaging/container/build and check (sourced, not run): reading an OCI image tarball
# and unpacking its layers into a root file system.

# read_json FILE EXPR: EXPR evaluated in Python on the JSON in FILE as d.
read_json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# unpack_image TARBALL DIR: the OCI layout in DIR/oci, the layers unpacked in DIR/rootfs; sets
# manifest and config to the paths of those two blobs.
unpack_image() {
  local tarball="$1" dir="$2" layer
  mkdir -p "$dir/oci" "$dir/rootfs"
  tar -xf "$tarball" -C "$dir/oci"
  manifest="$(oci_blob "$dir" "$(read_json "$dir/oci/index.json" 'd["manifests"][0]["digest"]')")"
  config="$(oci_blob "$dir" "$(read_json "$manifest" 'd["config"]["digest"]')")"
  for layer in $(read_json "$manifest" '" ".join(l["digest"] for l in d["layers"])'); do
    tar --warning=no-unknown-keyword -xzf "$(oci_blob "$dir" "$layer")" -C "$dir/rootfs"
  done
}

oci_blob() { echo "$1/oci/blobs/${2/://}"; }
