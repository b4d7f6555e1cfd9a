MODULE BenchFileSaveTest;

	IMPORT Files, BenchCheck, BenchFileSave;

	(* The bytes of the file `name` in the working folder as characters; "<none>" when there is none. *)
	PROCEDURE Read (IN name: ARRAY OF CHAR; OUT s: ARRAY OF CHAR);
		VAR f: Files.File; r: Files.Reader; n: Files.Name; i: INTEGER; b: BYTE;
	BEGIN
		n := name$; f := Files.dir.Old(Files.dir.This(""), n, Files.shared);
		IF f = NIL THEN s := "<none>"
		ELSE
			r := f.NewReader(NIL); r.SetPos(0); i := 0;
			WHILE (i < f.Length()) & (i < LEN(s) - 1) DO r.ReadByte(b); s[i] := CHR(b MOD 256); INC(i) END;
			s[i] := 0X; f.Close
		END
	END Read;

	PROCEDURE Run*;
		VAR ok: BOOLEAN; s: ARRAY 256 OF CHAR;
	BEGIN
		ok := BenchFileSave.Save("greeting.txt", "Hello");
		BenchCheck.Bool(1, ok, TRUE);
		Read("greeting.txt", s); BenchCheck.Str(2, s, "Hello");
		ok := BenchFileSave.Save("greeting.txt", "Hi"); Read("greeting.txt", s);
		BenchCheck.True(3, ok & (s = "Hi"));
		ok := BenchFileSave.Save("empty.txt", ""); Read("empty.txt", s);
		BenchCheck.True(4, ok & (s = ""));
		ok := BenchFileSave.Save("lines.txt", "a" + 0DX + 0AX + "b" + 9X); Read("lines.txt", s);
		BenchCheck.True(5, ok & (s = "a" + 0DX + 0AX + "b" + 9X));
		Read("greeting.txt", s); BenchCheck.Str(6, s, "Hi")
	END Run;

END BenchFileSaveTest.
