MODULE BenchGreetTest;

	IMPORT StdLog, TextModels, BenchCheck, BenchGreet;

	(* What Greet(name) added to the log, its line ends as 0DX. *)
	PROCEDURE Logged (IN name: ARRAY OF CHAR; OUT s: ARRAY OF CHAR);
		VAR start, i: INTEGER; r: TextModels.Reader; ch: CHAR;
	BEGIN
		start := StdLog.text.Length();
		BenchGreet.Greet(name);
		r := StdLog.text.NewReader(NIL); r.SetPos(start); i := 0;
		r.ReadChar(ch);
		WHILE ~r.eot & (i < LEN(s) - 1) DO s[i] := ch; INC(i); r.ReadChar(ch) END;
		s[i] := 0X
	END Logged;

	PROCEDURE Run*;
		VAR s: ARRAY 256 OF CHAR;
	BEGIN
		Logged("Ada", s); BenchCheck.Str(1, s, "Hello, Ada!" + 0DX);
		Logged("", s); BenchCheck.Str(2, s, "Hello, !" + 0DX);
		Logged("Niklaus Wirth", s); BenchCheck.Str(3, s, "Hello, Niklaus Wirth!" + 0DX)
	END Run;

END BenchGreetTest.
