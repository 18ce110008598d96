"""What a command pays before it starts its work: `defectors identify` on a big ledger
is compared with a plain pandas script (benchmarks/cli_speed.py), start-up included."""

from __future__ import annotations

from research.base import accounts


def test_the_unknown_login_hash_is_of_the_hasher_parameters_and_its_password():
    # a wrong login must take as long as a wrong password: same parameters, same work
    assert not accounts._hasher.check_needs_rehash(accounts._DUMMY_HASH)
    assert accounts._verify(accounts._DUMMY_HASH, "not a password of anyone")
    assert not accounts._verify(accounts._DUMMY_HASH, "")


def test_identify_hashes_no_password(demo_db, tmp_path, run_python):
    # Argon2id is made to be slow: hashing one at import cost every command 0.14 s
    out = tmp_path / "out.csv"
    code = (
        "import argon2\n"
        "hashed = []\n"
        "real = argon2.PasswordHasher.hash\n"
        "argon2.PasswordHasher.hash = lambda self, *a, **k: hashed.append(1) or real(self, *a, **k)\n"
        "from research.cli import main\n"
        f"main(['--db', {str(demo_db)!r}, 'identify', '--out', {str(out)!r}],"
        " standalone_mode=False)\n"
        "print('HASHED', len(hashed))\n"
    )
    assert "HASHED 0" in run_python(code)
    assert out.exists()
