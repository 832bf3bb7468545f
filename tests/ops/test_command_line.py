"""Issue 14 item 2: every `shouwang` command that cannot do its work exits non-zero with one
clear line — Chinese by default, English with SHOUWANG_LANGUAGE=en — and no traceback. Each
case runs the real command in a subprocess, as an operator would."""

import os
import socket
import subprocess
import sys
import urllib.request

import pytest

NOT_SET_UP_ZH = "错误：数据库尚未初始化：请先运行 `shouwang init`。"
NOT_SET_UP_EN = "Error: The database is not set up yet: run `shouwang init` first."


def shouwang(folder, *args, language=None, database=None, timeout=120):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOUWANG_")}
    env.update(SHOUWANG_VAR_DIR=str(folder / "var"), PYTHONWARNINGS="default")
    if language:
        env["SHOUWANG_LANGUAGE"] = language
    if database:
        env["SHOUWANG_DATABASE_URL"] = database
    return subprocess.run(
        [sys.executable, "-m", "shouwang", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_line(result, expected):
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip() == expected, result.stderr


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("migrated")
    result = shouwang(folder, "init", timeout=300)
    assert result.returncode == 0, result.stderr
    return folder


@pytest.mark.parametrize(
    "command", [["demo", "--students", "200"], ["verify-audit"], ["serve", "--port", "0"]]
)
def test_commands_on_a_database_not_yet_set_up_say_run_init_first(tmp_path, command):
    one_line(shouwang(tmp_path, *command), NOT_SET_UP_ZH)
    if command == ["verify-audit"]:
        one_line(shouwang(tmp_path, *command, language="en"), NOT_SET_UP_EN)


@pytest.mark.parametrize("command", [["init"], ["demo-logins"], ["migrate"]])
def test_an_unreachable_database_server_is_one_line(tmp_path, command):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgres://postgres@127.0.0.1:{port}/shouwang"
    one_line(
        shouwang(tmp_path, *command, database=url),
        f"错误：无法连接数据库服务器 127.0.0.1:{port}：请确认 PostgreSQL 正在运行，"
        "且 SHOUWANG_DATABASE_URL 正确。",
    )
    if command != ["init"]:
        return
    result = shouwang(tmp_path, *command, database=url, language="en")
    one_line(
        result,
        f"Error: Cannot connect to the database server 127.0.0.1:{port}: is PostgreSQL running, "
        "and is SHOUWANG_DATABASE_URL right?",
    )


def test_a_database_that_does_not_exist_is_one_line(tmp_path):
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    url = "postgres://postgres@127.0.0.1:5432/shouwang_no_such_db"
    for command in (["init"], ["token", "list"]):
        one_line(
            shouwang(tmp_path, *command, database=url),
            "错误：数据库服务器 127.0.0.1:5432 上没有数据库 shouwang_no_such_db："
            "请先创建（createdb shouwang_no_such_db），或修改 SHOUWANG_DATABASE_URL。",
        )


def test_serve_on_a_port_in_use_exits_non_zero_without_saying_running(migrated):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = shouwang(migrated, "serve", "--port", str(port))
        one_line(
            result,
            f"错误：127.0.0.1 的端口 {port} 已被占用："
            "请先停止占用它的程序，或用 --port 换一个端口。",
        )
        assert "运行" not in result.stdout and "running" not in result.stdout
        result = shouwang(migrated, "serve", "--port", str(port), language="en")
        one_line(
            result,
            f"Error: Port {port} on 127.0.0.1 is already in use: stop the other server or choose "
            "another port with --port.",
        )


def test_serve_says_running_once_it_answers_and_does_not_warn_about_static(migrated):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOUWANG_")}
    env.update(SHOUWANG_VAR_DIR=str(migrated / "var"))
    server = subprocess.Popen(
        [sys.executable, "-m", "shouwang", "serve", "--port", str(port), "--no-worker"],
        cwd=migrated,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        assert line.strip() == f"守望已在 http://127.0.0.1:{port}/ 运行（按 Ctrl+C 停止）"
        # Said only once it answers: a connection succeeds right away.
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        # A page answered means a web worker has loaded the app (and warned, if it would).
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30).close()
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    assert "No directory at" not in err
    assert server.returncode == 0


def test_import_template_to_a_path_that_cannot_be_written(tmp_path):
    target = tmp_path / "no-such-folder" / "units.xlsx"
    one_line(
        shouwang(tmp_path, "import-template", "units", str(target)),
        f"错误：无法写入 {target}：No such file or directory",
    )
    assert not target.exists()


def test_token_create_with_an_unknown_unit_is_translated(migrated):
    args = ["token", "create", "--name", "门禁", "--unit", "NOPE", "--perm", "org.read"]
    one_line(shouwang(migrated, *args), "错误：没有这个单位代码：NOPE")
    one_line(shouwang(migrated, *args, language="en"), "Error: Unknown unit code: NOPE")


def test_usage_lines_name_the_command_as_typed(tmp_path):
    result = shouwang(tmp_path, "import", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: shouwang import ")
    assert "import_org" not in result.stdout
    assert shouwang(tmp_path, "verify-audit", "--help").stdout.startswith(
        "usage: shouwang verify-audit "
    )
