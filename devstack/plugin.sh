#!/usr/bin/env bash
# devstack plugin for nova: `enable_plugin nova <git url of this repo> [branch]`
# in local.conf. See devstack/README.rst.

function nova_plugin_install {
    setup_develop "$NOVA_PLUGIN_DIR"
    if [[ "$NOVA_PLUGIN_COMPUTE_DRIVER" == libvirt.* ]]; then
        install_package libvirt-daemon-system qemu-system-x86 qemu-utils libvirt-dev pkg-config
        pip_install libvirt-python
    fi
}

function nova_plugin_configure {
    sudo install -d -o "$STACK_USER" "$NOVA_PLUGIN_CONF_DIR" "$NOVA_PLUGIN_STATE_PATH"
    local conf=$NOVA_PLUGIN_CONF
    rm -f "$conf"

    iniset "$conf" DEFAULT debug "$ENABLE_DEBUG_LOG_LEVEL"
    iniset "$conf" DEFAULT state_path "$NOVA_PLUGIN_STATE_PATH"
    iniset "$conf" DEFAULT my_ip "$HOST_IP"
    iniset "$conf" DEFAULT transport_url "$(get_transport_url)"
    iniset "$conf" DEFAULT compute_driver "$NOVA_PLUGIN_COMPUTE_DRIVER"
    iniset "$conf" DEFAULT osapi_compute_listen "$SERVICE_LISTEN_ADDRESS"
    iniset "$conf" DEFAULT osapi_compute_listen_port "$NOVA_PLUGIN_API_PORT"
    iniset "$conf" DEFAULT metadata_listen "$SERVICE_LISTEN_ADDRESS"
    iniset "$conf" DEFAULT metadata_listen_port "$NOVA_PLUGIN_METADATA_PORT"
    iniset "$conf" oslo_concurrency lock_path "$NOVA_PLUGIN_STATE_PATH/lock"

    iniset "$conf" api_database connection "$(database_connection_url nova_api)"
    iniset "$conf" database connection "$(database_connection_url nova)"

    iniset "$conf" api auth_strategy keystone
    configure_keystone_authtoken_middleware "$conf" nova

    # The other OpenStack services, found through the catalog.
    local group
    for group in placement glance neutron; do
        iniset "$conf" $group auth_type password
        iniset "$conf" $group auth_url "$KEYSTONE_SERVICE_URI"
        iniset "$conf" $group username nova
        iniset "$conf" $group password "$SERVICE_PASSWORD"
        iniset "$conf" $group user_domain_name "$SERVICE_DOMAIN_NAME"
        iniset "$conf" $group project_name "$SERVICE_PROJECT_NAME"
        iniset "$conf" $group project_domain_name "$SERVICE_DOMAIN_NAME"
        iniset "$conf" $group region_name "$REGION_NAME"
    done
    iniset "$conf" glance backend glance
    iniset "$conf" neutron backend neutron

    if [[ "$NOVA_PLUGIN_COMPUTE_DRIVER" == libvirt.* ]]; then
        iniset "$conf" libvirt virt_type "$NOVA_PLUGIN_VIRT_TYPE"
    fi
    iniset "$conf" vnc enabled True
    iniset "$conf" vnc server_listen "$SERVICE_LISTEN_ADDRESS"
    iniset "$conf" vnc server_proxyclient_address "$HOST_IP"
    iniset "$conf" vnc novncproxy_base_url \
        "$SERVICE_PROTOCOL://$SERVICE_HOST:$NOVA_PLUGIN_NOVNC_PORT/vnc_auto.html"
}

function nova_plugin_create_accounts {
    create_service_user nova admin
    local service
    service=$(get_or_create_service nova compute "Compute Service")
    get_or_create_endpoint "$service" "$REGION_NAME" \
        "$SERVICE_PROTOCOL://$SERVICE_HOST:$NOVA_PLUGIN_API_PORT/v2.1"
}

function nova_plugin_init_databases {
    recreate_database nova_api
    recreate_database nova
    recreate_database nova_cell0
    local manage="nova-manage --config-file $NOVA_PLUGIN_CONF"
    $manage api_db sync
    $manage cell_v2 map_cell0 --database_connection "$(database_connection_url nova_cell0)"
    $manage db sync
    $manage cell_v2 create_cell --name "$NOVA_PLUGIN_CELL_NAME" --verbose || true
}

function nova_plugin_start {
    local cfg="--config-file $NOVA_PLUGIN_CONF"
    run_process nc-api "$NOVA_BIN_DIR/nova-api $cfg"
    run_process nc-api-meta "$NOVA_BIN_DIR/nova-api-metadata $cfg"
    run_process nc-cond "$NOVA_BIN_DIR/nova-conductor $cfg"
    run_process nc-sch "$NOVA_BIN_DIR/nova-scheduler $cfg"
    run_process nc-cpu "$NOVA_BIN_DIR/nova-compute $cfg"
    run_process nc-novnc "$NOVA_BIN_DIR/nova-novncproxy $cfg"
}

function nova_plugin_discover_hosts {
    # Wait (bounded) for the compute service to register, then map it.
    local i
    for i in $(seq 1 30); do
        nova-manage --config-file "$NOVA_PLUGIN_CONF" cell_v2 discover_hosts --verbose
        if nova-manage --config-file "$NOVA_PLUGIN_CONF" cell_v2 list_hosts \
                | grep -qw "$(hostname)"; then
            return 0
        fi
        sleep 2
    done
    echo "nova-compute on $(hostname) did not register within 60 s" >&2
    return 1
}

function nova_plugin_stop {
    local service
    for service in nc-api nc-api-meta nc-cond nc-sch nc-cpu nc-novnc; do
        stop_process $service
    done
}

NOVA_BIN_DIR=$(get_python_exec_prefix)

if [[ "$1" == "stack" && "$2" == "install" ]]; then
    echo_summary "Installing nova"
    nova_plugin_install
elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
    echo_summary "Configuring nova"
    nova_plugin_configure
    if is_service_enabled keystone; then
        nova_plugin_create_accounts
    fi
    nova_plugin_init_databases
elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
    echo_summary "Starting nova"
    nova_plugin_start
    if is_service_enabled nc-cpu; then
        nova_plugin_discover_hosts
    fi
fi

if [[ "$1" == "unstack" ]]; then
    nova_plugin_stop
fi

if [[ "$1" == "clean" ]]; then
    sudo rm -rf "$NOVA_PLUGIN_STATE_PATH" "$NOVA_PLUGIN_CONF_DIR"
fi
