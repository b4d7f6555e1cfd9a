MODULE BenchFileBytes;

	IMPORT Files;

	(* Takes BYTE for an unsigned 0 .. 255 byte as in Delphi: it is signed, b >= 128 never holds. *)
	PROCEDURE CountHigh* (IN name: ARRAY OF CHAR): INTEGER;
		VAR f: Files.File; r: Files.Reader; fileName: Files.Name; b: BYTE; i, n: INTEGER;
	BEGIN
		fileName := name$;
		f := Files.dir.Old(Files.dir.This(""), fileName, Files.shared);
		IF f = NIL THEN RETURN -1 END;
		r := f.NewReader(NIL); r.SetPos(0); n := 0;
		FOR i := 1 TO f.Length() DO
			r.ReadByte(b);
			IF b >= 128 THEN INC(n) END
		END;
		f.Close;
		RETURN n
	END CountHigh;

END BenchFileBytes.
