//! A step verified by a health check (`verify_check`): the step succeeds
//! once the check is up within its settle time, and fails naming why not.

use super::Home;

const CONFIG: &str = r#"
[[health_check]]
name = "fixed"
kind = "command"
# exit 2 (failing) until `fixed` is there; 1 would be a warning, still up.
# The first probe after the repair still fails (it only makes `fixed`), so
# the step passes only if the check is probed again.
command = ["sh", "-c", "test -e {home}/fixed && exit 0; test -e {home}/repaired && touch {home}/fixed; echo not fixed; exit 2"]
retry_interval = "500ms"

[[runbook]]
id = "fix"

[[runbook.step]]
name = "Repair"
command = ["touch", "{home}/repaired"]
settle = "5s"
verify_check = "fixed"

[[runbook]]
id = "no_fix"

[[runbook.step]]
name = "Pretend"
command = ["true"]
settle = "1s"
verify_check = "fixed"
"#;

#[test]
fn the_step_succeeds_once_its_check_is_up_and_fails_naming_the_check_when_not() {
    let home = Home::new("verify-check", CONFIG);
    let (code, _, err) = home.run(&["runbook", "run", "no_fix", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("then check fixed up within 1s"), "{err}");
    let (code, _, err) = home.run(&["runbook", "run", "no_fix"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("check fixed not up within 1s: exit 2: not fixed"),
        "{err}"
    );
    let (code, _, err) = home.run(&["runbook", "run", "fix"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("check fixed is up"), "{err}");
}

#[test]
fn a_verify_check_that_names_no_check_is_a_config_error() {
    let home = Home::new(
        "verify-check-unknown",
        "[[runbook]]\nid = \"x\"\n\n[[runbook.step]]\nname = \"s\"\ncommand = [\"true\"]\nverify_check = \"api\"\n",
    );
    let (code, _, err) = home.run(&["check-config"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("runbook[0].step[0].verify_check")
            && err.contains("no [[health_check]] is named \"api\""),
        "{err}"
    );
}
