MODULE BbcopilotCompile;
(*
	Compiles a batch of plain-text sources in one process and prints every error.
	Run from a batch folder (BB_USE_DIR) holding "batch.txt": one source a line, as
	"Sub/Mod/Name.cp" (UTF-8, lines ending in 0AX). For each source it prints, between "@@begin <path>" and
	"@@end <path> ok|failed <ms>", one "@@error <pos> <number> <message>" line per error, where
	<pos> is the character offset in the source: the compiler's own positions, which
	DevCompiler.CompileText leaves in the text as DevMarkers views (the console log shows only
	the first error). The messages are Dev/Rsrc/Errors' texts, looked up by the views' numbers.
	It writes through Log, which prints at once: StdLog keeps its buffer until the command returns,
	so a compiler that traps on one source would take the lines of all the others with it.
*)

	IMPORT Files, Views, TextModels, TextViews, TextMappers, Log, DevCompiler, DevMarkers, Services, Utf;

	CONST listFile = "batch.txt"; tag = "@@";

	VAR messages: TextModels.Model;	(* Dev/Rsrc/Errors: "<number> <message>" lines *)

	PROCEDURE LoadMessages;
		VAR loc: Files.Locator; v: Views.View;
	BEGIN
		messages := NIL;
		loc := Files.dir.This("Dev/Rsrc");
		IF loc.res = 0 THEN
			v := Views.OldView(loc, "Errors");
			IF (v # NIL) & (v IS TextViews.View) THEN messages := v(TextViews.View).ThisModel() END
		END
	END LoadMessages;

	PROCEDURE Message (err: INTEGER; VAR msg: ARRAY OF CHAR);
		VAR s: TextMappers.Scanner; ch: CHAR; i: INTEGER;
	BEGIN
		msg[0] := 0X;
		IF messages = NIL THEN RETURN END;
		s.ConnectTo(messages);
		REPEAT s.Scan UNTIL ((s.type = TextMappers.int) & (s.int = err)) OR (s.type = TextMappers.eot);
		IF s.type = TextMappers.int THEN
			s.Skip(ch); i := 0;
			WHILE (ch >= " ") & (i < LEN(msg) - 1) DO msg[i] := ch; INC(i); s.rider.ReadChar(ch) END;
			msg[i] := 0X
		END
	END Message;

	(* The file's bytes, decoded from UTF-8, as a new text; NIL if it cannot be read. *)
	PROCEDURE ReadText (IN path: ARRAY OF CHAR): TextModels.Model;
		VAR loc: Files.Locator; f: Files.File; r: Files.Reader; dir, name: Files.Name;
			i, slash, n, res: INTEGER; b: BYTE; bytes: POINTER TO ARRAY OF SHORTCHAR;
			chars: POINTER TO ARRAY OF CHAR; t: TextModels.Model; w: TextModels.Writer;
	BEGIN
		slash := -1; i := 0;
		WHILE path[i] # 0X DO IF path[i] = "/" THEN slash := i END; INC(i) END;
		dir := path$; IF slash >= 0 THEN dir[slash] := 0X ELSE dir := "" END;
		i := 0; WHILE path[slash + 1 + i] # 0X DO name[i] := path[slash + 1 + i]; INC(i) END; name[i] := 0X;
		loc := Files.dir.This(dir);
		f := Files.dir.Old(loc, name, Files.shared);
		IF f = NIL THEN RETURN NIL END;
		n := f.Length(); NEW(bytes, n + 1); NEW(chars, n + 1);
		r := f.NewReader(NIL); i := 0;
		WHILE i < n DO r.ReadByte(b); bytes[i] := SHORT(CHR(b MOD 256)); INC(i) END;
		bytes[n] := 0X; f.Close;
		Utf.Utf8ToString(bytes^, chars^, res);
		IF res # 0 THEN RETURN NIL END;
		t := TextModels.dir.New(); w := t.NewWriter(NIL);
		(* A text ends its lines with 0DX and drops 0AX: one for one, so offsets stay those of the file. *)
		i := 0;
		WHILE chars[i] # 0X DO
			IF chars[i] = 0AX THEN w.WriteChar(0DX) ELSE w.WriteChar(chars[i]) END;
			INC(i)
		END;
		RETURN t
	END ReadText;

	PROCEDURE Compile (IN path: ARRAY OF CHAR);
		VAR t: TextModels.Model; r: TextModels.Reader; v: Views.View; error: BOOLEAN;
			views: INTEGER; start: LONGINT; msg: ARRAY 1024 OF CHAR;
	BEGIN
		Log.String(tag + "begin "); Log.String(path); Log.Ln;
		start := Services.Ticks();
		t := ReadText(path);
		IF t = NIL THEN
			Log.String(tag + "error 0 0 cannot read the source as UTF-8"); Log.Ln; error := TRUE
		ELSE
			DevCompiler.CompileText(t, 0, error);
			IF error THEN
				(* Each mark is a view inserted at its error's offset: the views before it shift it. *)
				r := t.NewReader(NIL); r.SetPos(0); views := 0;
				r.ReadView(v);
				WHILE ~r.eot DO
					IF v IS DevMarkers.View THEN
						Message(v(DevMarkers.View).err, msg);
						Log.String(tag + "error "); Log.Int(r.Pos() - 1 - views);
						Log.Int(v(DevMarkers.View).err); Log.Char(" "); Log.String(msg); Log.Ln
					END;
					INC(views); r.ReadView(v)
				END
			END
		END;
		Log.String(tag + "end "); Log.String(path);
		IF error THEN Log.String(" failed") ELSE Log.String(" ok") END;
		Log.Int(SHORT(Services.Ticks() - start)); Log.Ln
	END Compile;

	PROCEDURE Batch*;
		VAR t: TextModels.Model; r: TextModels.Reader; ch: CHAR; line: ARRAY 256 OF CHAR; i: INTEGER;
	BEGIN
		LoadMessages;
		t := ReadText(listFile);
		IF t = NIL THEN Log.String(tag + "nobatch"); Log.Ln; RETURN END;
		r := t.NewReader(NIL); r.SetPos(0); i := 0; r.ReadChar(ch);
		WHILE ~r.eot DO
			IF (ch = 0AX) OR (ch = 0DX) THEN
				line[i] := 0X; IF i > 0 THEN Compile(line) END; i := 0
			ELSIF i < LEN(line) - 1 THEN line[i] := ch; INC(i)
			END;
			r.ReadChar(ch)
		END;
		IF i > 0 THEN line[i] := 0X; Compile(line) END;
		Log.String(tag + "done"); Log.Ln
	END Batch;

END BbcopilotCompile.
