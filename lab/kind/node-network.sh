#!/bin/sh
# The kind tier's pod network (kind's own, kindnetd, has no source any reachable registry
# serves). Each node gets a CNI config of Debian's ptp and host-local plugins for its
# podCIDR, and a route to every other real node's podCIDR through that node's address.
set -u
conf=/etc/cni/net.d/10-gpu-fleet-e2e.conflist
while true; do
  cidr=$(kubectl get node "$NODE_NAME" -o 'jsonpath={.spec.podCIDR}' 2>/dev/null)
  if [ -n "$cidr" ]; then
    want=$(printf '{"cniVersion":"0.4.0","name":"gpu-fleet-e2e","plugins":[{"type":"ptp","ipMasq":true,"mtu":1500,"ipam":{"type":"host-local","ranges":[[{"subnet":"%s"}]],"routes":[{"dst":"0.0.0.0/0"}]}},{"type":"portmap","capabilities":{"portMappings":true}}]}' "$cidr")
    if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
      printf '%s' "$want" > "$conf.tmp" && mv "$conf.tmp" "$conf" && echo "wrote $conf for $cidr"
    fi
  fi
  kubectl get nodes -l 'type!=kwok' \
    -o 'jsonpath={range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}' 2>/dev/null |
    while read -r name podcidr address; do
      if [ "$name" != "$NODE_NAME" ] && [ -n "$podcidr" ] && [ -n "$address" ]; then
        ip route replace "$podcidr" via "$address" || true
      fi
    done
  sleep 5
done
