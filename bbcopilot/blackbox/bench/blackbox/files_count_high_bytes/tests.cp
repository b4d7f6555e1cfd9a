MODULE BenchFileBytesTest;

	IMPORT Files, BenchCheck, BenchFileBytes;

	(* Makes the file `name` in the working folder from the bytes of `bytes`, each character one byte. *)
	PROCEDURE Make (IN name, bytes: ARRAY OF CHAR);
		VAR f: Files.File; w: Files.Writer; n: Files.Name; i, res: INTEGER;
	BEGIN
		f := Files.dir.New(Files.dir.This(""), Files.dontAsk); w := f.NewWriter(NIL); i := 0;
		WHILE bytes[i] # 0X DO w.WriteByte(SHORT(SHORT(ORD(bytes[i]) MOD 256 - 256 * (ORD(bytes[i]) DIV 128)))); INC(i) END;
		n := name$; f.Register(n, "", Files.dontAsk, res); ASSERT(res = 0, 60)
	END Make;

	PROCEDURE Run*;
		VAR f: Files.File; w: Files.Writer; n: Files.Name; i, res: INTEGER;
	BEGIN
		Make("da.txt", 0D0X + 94X + 0D0X + 0B0X);
		BenchCheck.Int(1, BenchFileBytes.CountHigh("da.txt"), 4);
		Make("abc.txt", "abc");
		BenchCheck.Int(2, BenchFileBytes.CountHigh("abc.txt"), 0);
		BenchCheck.Int(3, BenchFileBytes.CountHigh("missing.txt"), -1);
		Make("edges.txt", 7FX + 80X + 0FFX + 1X + " ");
		BenchCheck.Int(4, BenchFileBytes.CountHigh("edges.txt"), 2);
		f := Files.dir.New(Files.dir.This(""), Files.dontAsk); n := "empty.txt"; f.Register(n, "", Files.dontAsk, res);
		BenchCheck.Int(5, BenchFileBytes.CountHigh("empty.txt"), 0);
		f := Files.dir.New(Files.dir.This(""), Files.dontAsk); w := f.NewWriter(NIL);
		FOR i := 0 TO 9999 DO w.WriteByte(SHORT(SHORT(i MOD 256 - 128))) END;	(* 39 * 128 + 16 of them negative *)
		n := "big.bin"; f.Register(n, "", Files.dontAsk, res);
		BenchCheck.Int(6, BenchFileBytes.CountHigh("big.bin"), 5008)
	END Run;

END BenchFileBytesTest.
