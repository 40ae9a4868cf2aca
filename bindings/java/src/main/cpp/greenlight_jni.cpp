// JNI glue for org.greenlight.GreenlightClient over the C API (greenlight.h). Only the C API is
// used, so this file is what an Android NDK build compiles against the same header.
//
// A Java handle (long) is a JniClient: the gl_client plus global references to the app's
// clock and transport, which the C library calls back on the calling thread (found through
// JavaVM::GetEnv). Errors become org.greenlight.GreenlightException(status, gl_last_error).
#include <jni.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "greenlight/greenlight.h"

namespace {

struct JniClient {
  gl_client* client = nullptr;
  JavaVM* vm = nullptr;
  jobject clock = nullptr;      // java.util.function.LongSupplier (global ref) or null
  jobject transport = nullptr;  // org.greenlight.Transport (global ref) or null

  void release(JNIEnv* env) {
    gl_client_close(client);
    client = nullptr;
    if (clock != nullptr) env->DeleteGlobalRef(clock);
    if (transport != nullptr) env->DeleteGlobalRef(transport);
    clock = transport = nullptr;
  }
};

JniClient* from_handle(jlong handle) {
  return reinterpret_cast<JniClient*>(static_cast<std::intptr_t>(handle));
}

void wipe(void* data, std::size_t size) {
  volatile auto* p = static_cast<volatile unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) p[i] = 0;
}

void throw_status(JNIEnv* env, int status, const char* message) {
  if (env->ExceptionCheck()) return;
  jclass cls = env->FindClass("org/greenlight/GreenlightException");
  if (cls == nullptr) return;
  jmethodID ctor = env->GetMethodID(cls, "<init>", "(ILjava/lang/String;)V");
  if (ctor == nullptr) return;
  jstring text = env->NewStringUTF(message);
  if (text == nullptr) return;
  auto* error = static_cast<jthrowable>(env->NewObject(cls, ctor, static_cast<jint>(status), text));
  if (error != nullptr) env->Throw(error);
}

// Throws for a failed call on c; returns whether the call succeeded.
bool check(JNIEnv* env, const JniClient& c, gl_status status) {
  if (status == GL_OK) return true;
  throw_status(env, status, gl_last_error(c.client));
  return false;
}

// A Java string as UTF-8 for the duration of a call; null stays null.
class Utf8 {
 public:
  Utf8(JNIEnv* env, jstring s) : env_(env), s_(s) {
    if (s != nullptr) chars_ = env->GetStringUTFChars(s, nullptr);
  }
  ~Utf8() {
    if (chars_ != nullptr) env_->ReleaseStringUTFChars(s_, chars_);
  }
  Utf8(const Utf8&) = delete;
  Utf8& operator=(const Utf8&) = delete;
  const char* get() const { return chars_; }
  // A non-null Java string that could not be read (out of memory: an exception is pending).
  bool failed() const { return s_ != nullptr && chars_ == nullptr; }

 private:
  JNIEnv* env_;
  jstring s_;
  const char* chars_ = nullptr;
};

std::vector<std::uint8_t> bytes_of(JNIEnv* env, jbyteArray array) {
  std::vector<std::uint8_t> out;
  if (array == nullptr) return out;
  out.resize(static_cast<std::size_t>(env->GetArrayLength(array)));
  env->GetByteArrayRegion(array, 0, static_cast<jsize>(out.size()),
                          reinterpret_cast<jbyte*>(out.data()));
  return out;
}

jbyteArray to_java(JNIEnv* env, const std::uint8_t* data, std::size_t size) {
  jbyteArray out = env->NewByteArray(static_cast<jsize>(size));
  if (out != nullptr) {
    env->SetByteArrayRegion(out, 0, static_cast<jsize>(size), reinterpret_cast<const jbyte*>(data));
  }
  return out;
}

JNIEnv* env_of(JavaVM* vm) {
  JNIEnv* env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) return nullptr;
  return env;
}

std::int64_t java_now(void* user_data) {
  auto* c = static_cast<JniClient*>(user_data);
  JNIEnv* env = env_of(c->vm);
  if (env == nullptr) return static_cast<std::int64_t>(std::time(nullptr));
  jclass cls = env->GetObjectClass(c->clock);
  jmethodID get = env->GetMethodID(cls, "getAsLong", "()J");
  env->DeleteLocalRef(cls);
  const jlong now = get == nullptr ? 0 : env->CallLongMethod(c->clock, get);
  if (get == nullptr || env->ExceptionCheck()) {
    // The clock must not throw; the system clock stands in rather than a wrong time.
    env->ExceptionClear();
    return static_cast<std::int64_t>(std::time(nullptr));
  }
  return now;
}

jobject header_list(JNIEnv* env, const char* const* names, const char* const* values,
                    size_t count) {
  jclass list_cls = env->FindClass("java/util/ArrayList");
  jclass entry_cls = env->FindClass("java/util/AbstractMap$SimpleImmutableEntry");
  if (list_cls == nullptr || entry_cls == nullptr) return nullptr;
  jmethodID list_ctor = env->GetMethodID(list_cls, "<init>", "()V");
  jmethodID add = env->GetMethodID(list_cls, "add", "(Ljava/lang/Object;)Z");
  jmethodID entry_ctor =
      env->GetMethodID(entry_cls, "<init>", "(Ljava/lang/Object;Ljava/lang/Object;)V");
  if (list_ctor == nullptr || add == nullptr || entry_ctor == nullptr) return nullptr;
  jobject list = env->NewObject(list_cls, list_ctor);
  for (size_t i = 0; list != nullptr && i < count; ++i) {
    jstring name = env->NewStringUTF(names[i]);
    jstring value = env->NewStringUTF(values[i]);
    if (name == nullptr || value == nullptr) return nullptr;
    jobject entry = env->NewObject(entry_cls, entry_ctor, name, value);
    if (entry == nullptr) return nullptr;
    env->CallBooleanMethod(list, add, entry);
    env->DeleteLocalRef(entry);
    env->DeleteLocalRef(name);
    env->DeleteLocalRef(value);
  }
  return list;
}

// Fills response from an org.greenlight.HttpResponse.
gl_status copy_response(JNIEnv* env, jobject answer, gl_http_response* response) {
  jclass cls = env->GetObjectClass(answer);
  jmethodID status = env->GetMethodID(cls, "status", "()I");
  jmethodID names = env->GetMethodID(cls, "headerNames", "()[Ljava/lang/String;");
  jmethodID values = env->GetMethodID(cls, "headerValues", "()[Ljava/lang/String;");
  jmethodID body = env->GetMethodID(cls, "rawBody", "()[B");
  if (status == nullptr || names == nullptr || values == nullptr || body == nullptr) {
    return GL_ERR_INTERNAL;
  }
  gl_http_response_set_status(response, env->CallIntMethod(answer, status));
  auto* name_array = static_cast<jobjectArray>(env->CallObjectMethod(answer, names));
  auto* value_array = static_cast<jobjectArray>(env->CallObjectMethod(answer, values));
  if (name_array == nullptr || value_array == nullptr) return GL_ERR_INTERNAL;
  const jsize count = env->GetArrayLength(name_array);
  for (jsize i = 0; i < count; ++i) {
    auto* name = static_cast<jstring>(env->GetObjectArrayElement(name_array, i));
    auto* value = static_cast<jstring>(env->GetObjectArrayElement(value_array, i));
    const Utf8 n(env, name);
    const Utf8 v(env, value);
    if (n.get() == nullptr || v.get() == nullptr) return GL_ERR_INTERNAL;
    if (const gl_status s = gl_http_response_add_header(response, n.get(), v.get()); s != GL_OK) {
      return s;
    }
  }
  auto* bytes = static_cast<jbyteArray>(env->CallObjectMethod(answer, body));
  const std::vector<std::uint8_t> data = bytes_of(env, bytes);
  return gl_http_response_set_body(response, data.data(), data.size());
}

gl_status java_send(void* user_data, const char* method, const char* url,
                    const char* const* header_names, const char* const* header_values,
                    size_t header_count, const uint8_t* body, size_t body_len,
                    gl_http_response* response) {
  auto* c = static_cast<JniClient*>(user_data);
  JNIEnv* env = env_of(c->vm);
  if (env == nullptr) return GL_ERR_INTERNAL;
  // One frame per request: a sync makes many, all within one native call.
  if (env->PushLocalFrame(32) != 0) return GL_ERR_RESOURCE_EXHAUSTED;
  gl_status result = GL_ERR_INTERNAL;
  jclass request_cls = env->FindClass("org/greenlight/HttpRequest");
  jclass transport_cls = env->FindClass("org/greenlight/Transport");
  jclass io_cls = env->FindClass("java/io/IOException");
  if (request_cls != nullptr && transport_cls != nullptr && io_cls != nullptr) {
    jmethodID ctor = env->GetMethodID(request_cls, "<init>",
                                      "(Ljava/lang/String;Ljava/lang/String;Ljava/util/List;[B)V");
    jmethodID send = env->GetMethodID(
        transport_cls, "send", "(Lorg/greenlight/HttpRequest;)Lorg/greenlight/HttpResponse;");
    jobject headers = header_list(env, header_names, header_values, header_count);
    jstring jmethod = env->NewStringUTF(method);
    jstring jurl = env->NewStringUTF(url);
    jbyteArray jbody = to_java(env, body, body != nullptr ? body_len : 0);
    if (ctor != nullptr && send != nullptr && headers != nullptr && jmethod != nullptr &&
        jurl != nullptr && jbody != nullptr) {
      jobject request = env->NewObject(request_cls, ctor, jmethod, jurl, headers, jbody);
      jobject answer =
          request == nullptr ? nullptr : env->CallObjectMethod(c->transport, send, request);
      if (env->ExceptionCheck()) {
        jthrowable thrown = env->ExceptionOccurred();
        env->ExceptionClear();
        result = env->IsInstanceOf(thrown, io_cls) ? GL_ERR_UNAVAILABLE : GL_ERR_INTERNAL;
      } else if (answer == nullptr) {
        result = GL_ERR_UNAVAILABLE;
      } else {
        result = copy_response(env, answer, response);
      }
    }
  }
  if (env->ExceptionCheck()) {
    env->ExceptionClear();
    result = GL_ERR_INTERNAL;
  }
  env->PopLocalFrame(nullptr);
  return result;
}

jobject upload_status(JNIEnv* env, const gl_upload_status& s) {
  jclass cls = env->FindClass("org/greenlight/UploadStatus");
  if (cls == nullptr) return nullptr;
  jmethodID ctor = env->GetMethodID(cls, "<init>", "(IIJJIIZ)V");
  if (ctor == nullptr) return nullptr;
  return env->NewObject(cls, ctor, static_cast<jint>(s.stage), static_cast<jint>(s.failure),
                        static_cast<jlong>(s.started_at), static_cast<jlong>(s.updated_at),
                        static_cast<jint>(s.keys), static_cast<jint>(s.inserted),
                        static_cast<jboolean>(s.already_uploaded != 0));
}

// The upload calls report their status also when they fail (e.g. an invalid code): the
// exception carries the message, the status is read again by uploadStatus().
jobject upload_result(JNIEnv* env, const JniClient& c, gl_status status,
                      const gl_upload_status& s) {
  if (!check(env, c, status)) return nullptr;
  return upload_status(env, s);
}

}  // namespace

extern "C" {

JNIEXPORT jlong JNICALL Java_org_greenlight_GreenlightClient_nativeOpen(JNIEnv* env, jclass,
                                                                        jstring path,
                                                                        jbyteArray store_key,
                                                                        jobject clock) {
  auto c = std::make_unique<JniClient>();
  if (env->GetJavaVM(&c->vm) != 0) {
    throw_status(env, GL_ERR_INTERNAL, "no Java VM");
    return 0;
  }
  if (clock != nullptr) c->clock = env->NewGlobalRef(clock);
  const Utf8 db_path(env, path);
  if (db_path.failed()) return 0;
  std::vector<std::uint8_t> key = bytes_of(env, store_key);
  char error[512] = {0};
  const gl_status status = gl_client_open_encrypted(db_path.get(), key.data(), key.size(),
                                                    clock != nullptr ? java_now : nullptr, c.get(),
                                                    &c->client, error, sizeof error);
  wipe(key.data(), key.size());
  if (status != GL_OK) {
    c->release(env);
    throw_status(env, status, error);
    return 0;
  }
  return static_cast<jlong>(reinterpret_cast<std::intptr_t>(c.release()));
}

JNIEXPORT void JNICALL Java_org_greenlight_GreenlightClient_nativeClose(JNIEnv* env, jclass,
                                                                        jlong handle) {
  JniClient* c = from_handle(handle);
  if (c == nullptr) return;
  c->release(env);
  delete c;
}

JNIEXPORT jbyteArray JNICALL
Java_org_greenlight_GreenlightClient_nativeAdvertisement(JNIEnv* env, jclass, jlong handle) {
  const JniClient& c = *from_handle(handle);
  std::uint8_t payload[GL_ADVERTISEMENT_SIZE];
  size_t len = sizeof payload;
  if (!check(env, c, gl_client_current_advertisement(c.client, payload, &len))) return nullptr;
  return to_java(env, payload, len);
}

JNIEXPORT void JNICALL Java_org_greenlight_GreenlightClient_nativeRecordObservation(
    JNIEnv* env, jclass, jlong handle, jbyteArray payload, jint rssi) {
  const JniClient& c = *from_handle(handle);
  const std::vector<std::uint8_t> bytes = bytes_of(env, payload);
  check(env, c, gl_client_record_observation(c.client, bytes.data(), bytes.size(), rssi));
}

JNIEXPORT void JNICALL Java_org_greenlight_GreenlightClient_nativeRecordScan(JNIEnv* env, jclass,
                                                                             jlong handle,
                                                                             jbyteArray payloads,
                                                                             jintArray rssi) {
  const JniClient& c = *from_handle(handle);
  const std::vector<std::uint8_t> bytes = bytes_of(env, payloads);
  std::vector<std::int32_t> values(static_cast<std::size_t>(env->GetArrayLength(rssi)));
  env->GetIntArrayRegion(rssi, 0, static_cast<jsize>(values.size()),
                         reinterpret_cast<jint*>(values.data()));
  check(env, c, gl_client_record_scan(c.client, bytes.data(), values.data(), values.size()));
}

JNIEXPORT void JNICALL Java_org_greenlight_GreenlightClient_nativePinSigningKey(
    JNIEnv* env, jclass, jlong handle, jstring pem, jstring key_id, jstring key_version) {
  const JniClient& c = *from_handle(handle);
  const Utf8 p(env, pem);
  const Utf8 id(env, key_id);
  const Utf8 version(env, key_version);
  if (p.failed() || id.failed() || version.failed()) return;
  check(env, c, gl_client_pin_signing_key(c.client, p.get(), id.get(), version.get()));
}

JNIEXPORT jint JNICALL Java_org_greenlight_GreenlightClient_nativeProcessExport(JNIEnv* env, jclass,
                                                                                jlong handle,
                                                                                jbyteArray zip) {
  const JniClient& c = *from_handle(handle);
  const std::vector<std::uint8_t> bytes = bytes_of(env, zip);
  uint32_t matched = 0;
  check(env, c, gl_client_process_export(c.client, bytes.data(), bytes.size(), &matched));
  return static_cast<jint>(matched);
}

JNIEXPORT jint JNICALL Java_org_greenlight_GreenlightClient_nativeSync(JNIEnv* env, jclass,
                                                                       jlong handle,
                                                                       jstring base_url) {
  const JniClient& c = *from_handle(handle);
  const Utf8 url(env, base_url);
  if (url.failed()) return 0;
  uint32_t processed = 0;
  check(env, c, gl_client_sync(c.client, url.get(), &processed));
  return static_cast<jint>(processed);
}

JNIEXPORT void JNICALL Java_org_greenlight_GreenlightClient_nativeSetRegions(JNIEnv* env, jclass,
                                                                             jlong handle,
                                                                             jstring regions) {
  const JniClient& c = *from_handle(handle);
  const Utf8 list(env, regions);
  if (list.failed()) return;
  check(env, c, gl_client_set_regions(c.client, list.get()));
}

JNIEXPORT void JNICALL Java_org_greenlight_GreenlightClient_nativeRequireLog(JNIEnv* env, jclass,
                                                                             jlong handle,
                                                                             jstring vkey,
                                                                             jstring origin) {
  const JniClient& c = *from_handle(handle);
  const Utf8 key(env, vkey);
  const Utf8 name(env, origin);
  if (key.failed() || name.failed()) return;
  check(env, c, gl_client_require_log(c.client, key.get(), name.get()));
}

JNIEXPORT void JNICALL Java_org_greenlight_GreenlightClient_nativeSetTransport(JNIEnv* env, jclass,
                                                                               jlong handle,
                                                                               jobject transport) {
  JniClient& c = *from_handle(handle);
  jobject ref = transport != nullptr ? env->NewGlobalRef(transport) : nullptr;
  const gl_status status =
      gl_client_set_transport(c.client, ref != nullptr ? java_send : nullptr, &c);
  if (status != GL_OK) {
    if (ref != nullptr) env->DeleteGlobalRef(ref);
    check(env, c, status);
    return;
  }
  if (c.transport != nullptr) env->DeleteGlobalRef(c.transport);
  c.transport = ref;
}

JNIEXPORT void JNICALL Java_org_greenlight_GreenlightClient_nativeSetPositiveTest(JNIEnv* env,
                                                                                  jclass,
                                                                                  jlong handle,
                                                                                  jlong time) {
  const JniClient& c = *from_handle(handle);
  check(env, c, gl_client_set_positive_test(c.client, time));
}

JNIEXPORT jobject JNICALL Java_org_greenlight_GreenlightClient_nativeColour(JNIEnv* env, jclass,
                                                                            jlong handle) {
  const JniClient& c = *from_handle(handle);
  gl_colour_info info{};
  size_t len = 0;
  const gl_status sized = gl_client_colour(c.client, &info, nullptr, &len);
  if (sized != GL_OK && sized != GL_ERR_BUFFER_TOO_SMALL) {
    check(env, c, sized);
    return nullptr;
  }
  std::string explanation(len, '\0');
  if (!check(env, c, gl_client_colour(c.client, &info, explanation.data(), &len))) return nullptr;
  explanation.resize(len > 0 ? len - 1 : 0);
  jclass cls = env->FindClass("org/greenlight/ColourInfo");
  if (cls == nullptr) return nullptr;
  jmethodID ctor = env->GetMethodID(cls, "<init>", "(IIJDDJLjava/lang/String;)V");
  jstring text = env->NewStringUTF(explanation.c_str());
  if (ctor == nullptr || text == nullptr) return nullptr;
  return env->NewObject(cls, ctor, static_cast<jint>(info.colour), static_cast<jint>(info.rule),
                        static_cast<jlong>(info.day), info.minutes, info.score,
                        static_cast<jlong>(info.valid_until), text);
}

JNIEXPORT void JNICALL Java_org_greenlight_GreenlightClient_nativeSetRiskConfigJson(JNIEnv* env,
                                                                                    jclass,
                                                                                    jlong handle,
                                                                                    jstring json) {
  const JniClient& c = *from_handle(handle);
  const Utf8 text(env, json);
  if (text.failed()) return;
  check(env, c, gl_client_set_risk_config_json(c.client, text.get()));
}

JNIEXPORT void JNICALL Java_org_greenlight_GreenlightClient_nativeRotateStoreKey(
    JNIEnv* env, jclass, jlong handle, jbyteArray new_key) {
  const JniClient& c = *from_handle(handle);
  std::vector<std::uint8_t> key = bytes_of(env, new_key);
  const gl_status status = gl_client_rotate_store_key(c.client, key.data(), key.size());
  wipe(key.data(), key.size());
  check(env, c, status);
}

JNIEXPORT void JNICALL Java_org_greenlight_GreenlightClient_nativeRunRetention(JNIEnv* env, jclass,
                                                                               jlong handle) {
  const JniClient& c = *from_handle(handle);
  check(env, c, gl_client_run_retention(c.client));
}

JNIEXPORT jobjectArray JNICALL Java_org_greenlight_GreenlightClient_nativeKeysForUpload(
    JNIEnv* env, jclass, jlong handle, jboolean release) {
  const JniClient& c = *from_handle(handle);
  // 14 days of keys plus a released current key and its replacement.
  std::vector<gl_tek> keys(32);
  size_t count = keys.size();
  const gl_status status =
      gl_client_keys_for_upload(c.client, release ? 1 : 0, keys.data(), &count);
  if (!check(env, c, status)) return nullptr;
  jclass cls = env->FindClass("org/greenlight/ExposureKey");
  if (cls == nullptr) return nullptr;
  jmethodID ctor = env->GetMethodID(cls, "<init>", "([BII)V");
  if (ctor == nullptr) return nullptr;
  jobjectArray out = env->NewObjectArray(static_cast<jsize>(count), cls, nullptr);
  for (size_t i = 0; out != nullptr && i < count; ++i) {
    jbyteArray data = to_java(env, keys[i].key_data, sizeof keys[i].key_data);
    if (data == nullptr) return nullptr;
    jobject key =
        env->NewObject(cls, ctor, data, static_cast<jint>(keys[i].rolling_start_interval_number),
                       static_cast<jint>(keys[i].rolling_period));
    if (key == nullptr) return nullptr;
    env->SetObjectArrayElement(out, static_cast<jsize>(i), key);
    env->DeleteLocalRef(key);
    env->DeleteLocalRef(data);
  }
  wipe(keys.data(), keys.size() * sizeof(gl_tek));
  return out;
}

JNIEXPORT jobject JNICALL Java_org_greenlight_GreenlightClient_nativeUpload(
    JNIEnv* env, jclass, jlong handle, jstring base_url, jstring code, jboolean release) {
  const JniClient& c = *from_handle(handle);
  const Utf8 url(env, base_url);
  const Utf8 text(env, code);
  if (url.failed() || text.failed()) return nullptr;
  gl_upload_status s{};
  return upload_result(env, c,
                       gl_client_upload(c.client, url.get(), text.get(), release ? 1 : 0, &s), s);
}

JNIEXPORT jobject JNICALL Java_org_greenlight_GreenlightClient_nativeUploadResume(
    JNIEnv* env, jclass, jlong handle, jstring base_url) {
  const JniClient& c = *from_handle(handle);
  const Utf8 url(env, base_url);
  if (url.failed()) return nullptr;
  gl_upload_status s{};
  return upload_result(env, c, gl_client_upload_resume(c.client, url.get(), &s), s);
}

JNIEXPORT jobject JNICALL Java_org_greenlight_GreenlightClient_nativeUploadStatus(JNIEnv* env,
                                                                                  jclass,
                                                                                  jlong handle) {
  const JniClient& c = *from_handle(handle);
  gl_upload_status s{};
  return upload_result(env, c, gl_client_upload_status(c.client, &s), s);
}

}  // extern "C"
